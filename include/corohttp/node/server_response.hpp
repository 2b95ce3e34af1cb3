// Node's http.ServerResponse as a writable stream over the core's corohttp::server_response.
// write() queues and returns false once high_water_mark bytes wait ('drain' follows); 'finish' is
// emitted when end()'s last bytes are handed to the kernel; 'close' when the connection ended
// before that. Where Node throws (an invalid header name or value, headers already sent, write()
// after end()) these methods throw boost::system::system_error.
#pragma once

#include <corohttp/io/async_event.hpp>
#include <corohttp/node/event_emitter.hpp>
#include <corohttp/node/loop.hpp>
#include <corohttp/node/socket.hpp>
#include <corohttp/node/timeout_relay.hpp>
#include <corohttp/server_response.hpp>

#include <boost/system/system_error.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corohttp::node {

class server_response : public event_emitter {
  using fields = std::initializer_list<std::pair<std::string_view, std::string_view>>;

 public:
  /// `wake` is set whenever there is something to write.
  server_response(corohttp::server_response& r, corohttp::detail::async_event& wake)
      : status_code(r.status_code), status_message(r.status_message), send_date(r.send_date), r_(&r), wake_(&wake) {
    declare<>("drain");
    declare<>("finish");
    declare<>("close");
    declare<>("timeout");
    declare<boost::system::error_code>("error");
  }

  int& status_code;             ///< Node's res.statusCode
  std::string& status_message;  ///< Node's res.statusMessage ("" = the standard phrase)
  bool& send_date;              ///< Node's res.sendDate

  // --- headers -----------------------------------------------------------------------------------
  server_response& set_header(std::string_view name, std::string_view value) {
    check_not_ended(name);
    check(r_->set_header(name, value), name);
    return *this;
  }
  server_response& set_header(std::string_view name, std::initializer_list<std::string_view> values) {
    check_not_ended(name);
    check(r_->set_header(name, values), name);
    return *this;
  }
  server_response& set_header(std::string_view name, std::uint64_t value) {
    check_not_ended(name);
    check(r_->set_header(name, value), name);
    return *this;
  }
  std::optional<std::string_view> get_header(std::string_view name) const noexcept { return r_->get_header(name); }
  bool has_header(std::string_view name) const noexcept { return r_->has_header(name); }
  server_response& remove_header(std::string_view name) {
    check_not_ended(name);
    check(r_->remove_header(name), name);
    return *this;
  }
  std::vector<std::string> get_header_names() const { return r_->get_header_names(); }
  /// True once the head is fixed: write_head(), write() or end() (which the loop carries out later).
  bool headers_sent() const noexcept { return end_called_ || r_->headers_sent(); }
  /// Node's res.finished: end() was called.
  bool finished() const noexcept { return end_called_; }

  /// Node's writeHead(statusCode[, statusMessage][, headers]).
  server_response& write_head(int status, std::string_view message, fields headers = {}) {
    check(r_->write_head(status, message, headers), "writeHead");
    return *this;
  }
  server_response& write_head(int status, fields headers = {}) { return write_head(status, {}, headers); }
  /// Node's writeContinue(): queued before any body.
  void write_continue() { push(op::cont, {}, {}); }
  /// Node's addTrailers(): sent after a chunked body.
  server_response& add_trailers(fields trailers) {
    check(r_->add_trailers(trailers), "addTrailers");
    return *this;
  }

  // --- the body ------------------------------------------------------------------------------------
  /// Node's write(chunk[, callback]): true while less than high_water_mark bytes wait.
  bool write(std::string_view chunk, std::function<void()> on_flushed = {}) {
    if (end_called_) check(error::write_after_end, "write");
    if (!r_->headers_sent()) check(r_->write_head(status_code, status_message), "write");
    push(op::data, chunk, std::move(on_flushed));
    bool ok = queued_ < high_water_mark;
    if (!ok) need_drain_ = true;
    return ok;
  }
  /// Node's end([data][, callback]): the callback runs at 'finish'.
  void end(std::string_view data = {}, std::function<void()> on_finish = {}) {
    if (end_called_) return;
    end_called_ = true;
    push(op::end, data, std::move(on_finish));
  }
  /// Node's res.setTimeout(ms[, callback]): the callback listens to 'timeout'; without any, the
  /// socket is destroyed when it times out (so is an idle socket after this response is done).
  server_response& set_timeout(std::chrono::milliseconds ms, std::function<void()> on_timeout = {}) {
    if (on_timeout) once("timeout", std::move(on_timeout));
    r_->set_timeout(ms, timeout_.hook(*this, r_->socket()));
    return *this;
  }
  /// The coroutine-style response underneath.
  corohttp::server_response& core() noexcept { return *r_; }

  // --- for the server exchange ---------------------------------------------------------------------
  /// Writes what is queued; false once a write failed (the connection is gone).
  awaitable<bool> flush() {
    while (!ops_.empty() && !failed_) {
      item it = std::move(ops_.front());
      ops_.pop_front();
      boost::system::error_code ec;
      switch (it.kind) {
        case op::cont: ec = co_await r_->write_continue(); break;
        case op::data: ec = co_await r_->write(it.bytes); break;
        case op::end: ec = co_await r_->end(it.bytes); break;
      }
      queued_ -= it.bytes.size();
      if (ec) {
        failed_ = true;
        ops_.clear();
        co_return false;
      }
      if (it.kind == op::end) {
        finished_ = true;
        detail::emit_or_rethrow(*this, "finish");
      }
      if (it.callback) {
        try {
          it.callback();
        } catch (...) {
          rethrow_from_run(std::current_exception());
        }
      }
    }
    if (need_drain_ && ops_.empty() && !finished_) {
      need_drain_ = false;
      detail::emit_or_rethrow(*this, "drain");
    }
    co_return !failed_;
  }
  /// 'finish' was emitted.
  bool flushed_end() const noexcept { return finished_; }
  bool has_pending() const noexcept { return !ops_.empty(); }

 private:
  enum class op { cont, data, end };
  struct item {
    op kind;
    std::string bytes;
    std::function<void()> callback;
  };

  void push(op kind, std::string_view bytes, std::function<void()> cb) {
    ops_.push_back(item{kind, std::string(bytes), std::move(cb)});
    queued_ += bytes.size();
    wake_->set();
  }
  // end() is carried out later by the loop, but the head is fixed from the call on, as in Node.
  void check_not_ended(std::string_view what) const {
    if (end_called_) check(error::headers_sent, what);
  }
  static void check(const boost::system::error_code& ec, std::string_view what) {
    if (ec) throw boost::system::system_error(ec, std::string(what));
  }

  corohttp::server_response* r_;
  corohttp::detail::async_event* wake_;
  detail::timeout_relay timeout_;
  std::deque<item> ops_;
  std::size_t queued_ = 0;
  bool need_drain_ = false, end_called_ = false, finished_ = false, failed_ = false;
};

}  // namespace corohttp::node
