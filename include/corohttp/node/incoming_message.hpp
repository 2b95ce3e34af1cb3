// Node's http.IncomingMessage as a readable stream over the core's corohttp::incoming_message:
// 'data' (std::string_view, valid during the call), 'end', 'aborted', 'close' and 'timeout' events,
// pause()/resume(), set_encoding(). Like a Node stream it starts paused and flows once a 'data'
// listener is added or resume() is called; 'end' comes only after the data was consumed.
//
// The request of a server's 'request' event is valid until its response has finished (or its
// connection closed); a client's response while its client_request is alive.
#pragma once

#include <corohttp/incoming_message.hpp>
#include <corohttp/io/async_event.hpp>
#include <corohttp/node/event_emitter.hpp>
#include <corohttp/node/loop.hpp>
#include <corohttp/node/timeout_relay.hpp>

#include <boost/system/system_error.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace corohttp::node {

class incoming_message : public event_emitter {
 public:
  /// `notify` (may be null) is set when the body has ended or stopped flowing for good.
  incoming_message(corohttp::incoming_message& m, const net::any_io_executor& ex,
                   corohttp::detail::async_event* notify = nullptr)
      : m_(&m), wake_(ex), notify_(notify) {
    declare<std::string_view>("data");
    declare<>("end");
    declare<>("aborted");
    declare<>("close");
    declare<>("timeout");
    declare<boost::system::error_code>("error");
  }

  // --- the head (Node's properties) --------------------------------------------------------------
  std::string_view method() const noexcept { return m_->method(); }
  std::string_view url() const noexcept { return m_->url(); }
  int status_code() const noexcept { return m_->status_code(); }
  std::string_view status_message() const noexcept { return m_->status_message(); }
  std::string_view http_version() const noexcept { return m_->http_version(); }
  int http_version_major() const noexcept { return m_->http_version_major(); }
  int http_version_minor() const noexcept { return m_->http_version_minor(); }
  const header_map& headers() const { return m_->headers(); }
  std::vector<std::string_view> raw_headers() const { return m_->raw_headers(); }
  std::optional<std::string> get_header(std::string_view name) const { return m_->get_header(name); }
  /// Filled at 'end'.
  const header_map& trailers() const { return m_->trailers(); }
  std::vector<std::string_view> raw_trailers() const { return m_->raw_trailers(); }
  bool complete() const noexcept { return m_->complete(); }
  bool aborted() const noexcept { return m_->aborted(); }
  /// Node's message.socket (the protocol reads it: do not read it yourself).
  stream_socket& socket() noexcept { return m_->socket(); }
  /// Node's message.setTimeout(ms[, callback]): the callback listens to 'timeout'; without any,
  /// the socket is destroyed when it times out. A server's request: the socket's idle timeout (the
  /// response's set_timeout() sets the same one). A client's response: the request's timeout,
  /// which ends the request (the client request's 'timeout', else 'error'; this message's
  /// 'aborted').
  incoming_message& set_timeout(std::chrono::milliseconds ms, std::function<void()> on_timeout = {}) {
    if (on_timeout) once("timeout", std::move(on_timeout));
    m_->set_timeout(ms, timeout_.hook(*this, m_->socket()));
    return *this;
  }
  /// The coroutine-style message underneath.
  corohttp::incoming_message& core() noexcept { return *m_; }

  // --- the stream --------------------------------------------------------------------------------
  /// Node's setEncoding(): "utf8", "latin1"/"binary", "ascii", "hex", "base64"; throws otherwise.
  incoming_message& set_encoding(std::string_view encoding) {
    if (auto ec = m_->set_encoding(encoding)) throw boost::system::system_error(ec, std::string(encoding));
    return *this;
  }
  incoming_message& pause() {
    paused_ = true;
    return *this;
  }
  incoming_message& resume() {
    paused_ = false;
    flowing_ = true;
    wake_.set();
    return *this;
  }
  bool is_paused() const noexcept { return paused_ || !flowing_; }
  /// 'end' (or 'aborted') was emitted.
  bool ended() const noexcept { return ended_; }

  // --- for the owner (server exchange, client request) ---------------------------------------------
  /// Emits 'data' while flowing until the body ends ('end'), or breaks ('aborted', 'close'), or
  /// stop() is called while nobody reads.
  awaitable<void> flow() {
    while (!ended_) {
      if (!flowing_ || paused_) {
        if (stop_) break;
        wake_.reset();
        co_await wake_.wait();
        continue;
      }
      auto chunk = co_await m_->read();
      if (!chunk) {
        ended_ = true;
        if (m_->error()) {
          detail::emit_or_rethrow(*this, "aborted");
          emit_close();
        } else {
          detail::emit_or_rethrow(*this, "end");
        }
        break;
      }
      detail::emit_or_rethrow(*this, "data", *chunk);
    }
    stopped_ = true;
    if (notify_) notify_->set();
  }
  /// The owner is done: the flow ends as soon as it is not reading.
  void stop() {
    stop_ = true;
    wake_.set();
  }
  /// Nobody reads now: the flow would only wait (or it already ended).
  bool idle() const noexcept { return stopped_ || ended_ || !flowing_ || paused_; }
  /// 'close', once: the connection went away.
  void emit_close() {
    if (closed_) return;
    closed_ = true;
    detail::emit_or_rethrow(*this, "close");
  }

 protected:
  void listener_added(std::string_view event) override {
    if (event == "data" && !paused_) {
      flowing_ = true;
      wake_.set();
    }
  }

 private:
  corohttp::incoming_message* m_;
  corohttp::detail::async_event wake_;
  corohttp::detail::async_event* notify_;
  detail::timeout_relay timeout_;
  bool flowing_ = false, paused_ = false, ended_ = false, stop_ = false, stopped_ = false, closed_ = false;
};

}  // namespace corohttp::node
