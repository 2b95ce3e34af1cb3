// Node's http.ServerResponse. Headers are set until the head is written; write() and end()
// complete when the bytes are handed to the kernel, which is the backpressure Node expresses with
// write() returning false and 'drain'. The body is framed as Node frames it (proto/serializer.hpp):
// Content-Length when known, chunked otherwise on HTTP/1.1, until close on HTTP/1.0; no body for
// HEAD, 1xx, 204 and 304.
#pragma once

#include <corohttp/config.hpp>
#include <corohttp/io/async_event.hpp>
#include <corohttp/io/stream.hpp>
#include <corohttp/proto/http_date.hpp>
#include <corohttp/proto/outgoing_headers.hpp>
#include <corohttp/proto/serializer.hpp>
#include <corohttp/proto/status_codes.hpp>

#include <array>
#include <chrono>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace corohttp {

namespace detail {
/// What a server_response needs from its connection.
class response_sink {
 public:
  /// Writes the pieces in order without waiting (one gather write, or held back to join the
  /// responses to pipelined requests when `last` and more requests are already waiting). Returns
  /// true when done (`ec` says how); false when the socket took only `sent` bytes: then
  /// write_rest(pieces, sent) must finish. No coroutine frame on the common path.
  virtual bool try_write(std::span<const std::string_view> pieces, bool last, std::size_t& sent,
                         boost::system::error_code& ec) = 0;
  /// The rest of a try_write() that returned false.
  virtual awaitable<boost::system::error_code> write_rest(std::span<const std::string_view> pieces, std::size_t sent) = 0;
  virtual stream_socket& socket() noexcept = 0;
  virtual std::string_view date() noexcept = 0;
  /// "Date", "Connection: keep-alive" and "Keep-Alive" (if `keep_alive_header` is set) lines.
  virtual std::string_view keep_alive_fields() noexcept = 0;
  virtual void set_timeout(std::chrono::milliseconds ms, std::function<void()> hook) = 0;
  virtual awaitable<void> wait_closed() = 0;

 protected:
  ~response_sink() = default;
};

/// What the connection tells a response about the request it answers.
struct response_context {
  bool head_request = false;       ///< no body may be sent
  bool http10 = false;             ///< the peer cannot read chunked
  bool keep_alive = true;          ///< the request allows keeping the connection
  bool last_allowed = false;       ///< max_requests_per_socket reached: this response closes
  std::string_view keep_alive_header;  ///< the `Keep-Alive` value ("timeout=5"), "" for none
};
}  // namespace detail

class server_response {
 public:
  explicit server_response(const net::any_io_executor& ex) : finish_(ex) {}
  server_response(const server_response&) = delete;
  server_response& operator=(const server_response&) = delete;

  // --- status and headers ----------------------------------------------------------------------
  int status_code = 200;          ///< Node's res.statusCode
  std::string status_message;     ///< Node's res.statusMessage ("" = the standard reason phrase)
  bool send_date = true;          ///< Node's res.sendDate

  boost::system::error_code set_header(std::string_view name, std::string_view value) {
    if (head_built_) return error::headers_sent;
    return headers_.set(name, value);
  }
  boost::system::error_code set_header(std::string_view name, std::initializer_list<std::string_view> values) {
    if (head_built_) return error::headers_sent;
    return headers_.set(name, values);
  }
  boost::system::error_code set_header(std::string_view name, std::uint64_t value) {
    if (head_built_) return error::headers_sent;
    return headers_.set(name, value);
  }
  /// Node's appendHeader().
  boost::system::error_code append_header(std::string_view name, std::string_view value) {
    if (head_built_) return error::headers_sent;
    return headers_.append(name, value);
  }
  std::optional<std::string_view> get_header(std::string_view name) const noexcept { return headers_.get(name); }
  std::span<const std::string> get_header_values(std::string_view name) const noexcept { return headers_.get_all(name); }
  bool has_header(std::string_view name) const noexcept { return headers_.has(name); }
  boost::system::error_code remove_header(std::string_view name);
  std::vector<std::string> get_header_names() const { return headers_.names(); }
  const outgoing_headers& headers() const noexcept { return headers_; }

  /// Node's res.headersSent: true once the head is fixed (write_head, write or end).
  bool headers_sent() const noexcept { return head_built_; }
  /// Node's res.finished / writableEnded: end() was called.
  bool finished() const noexcept { return ended_; }
  /// Node's writableFinished: everything was handed to the kernel.
  bool writable_finished() const noexcept { return finish_.is_set(); }

  /// Node's writeHead(status[, message][, headers]): fixes the head; it is sent with the first
  /// write() or end().
  boost::system::error_code write_head(int status, std::string_view message = {},
                                       std::initializer_list<std::pair<std::string_view, std::string_view>> fields = {});
  boost::system::error_code write_head(int status,
                                       std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
    return write_head(status, {}, fields);
  }

  /// Node's writeContinue(): "HTTP/1.1 100 Continue", now.
  awaitable<boost::system::error_code> write_continue();

  /// Node's writeEarlyHints({link: [...]}): a 103 with Link fields, now.
  awaitable<boost::system::error_code> write_early_hints(std::initializer_list<std::string_view> links);

  /// Node's addTrailers(): sent after a chunked body (ignored, as Node does, otherwise).
  boost::system::error_code add_trailers(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);

  // --- the body --------------------------------------------------------------------------------
  /// Sends a chunk of the body (the head first, if not yet sent); completes when the kernel has it.
  awaitable<boost::system::error_code> write(std::string_view data);

  /// Ends the response, with a last chunk of data if given. Completes when the kernel has it all.
  awaitable<boost::system::error_code> end(std::string_view data = {});

  /// Node's res.setTimeout(ms, callback).
  void set_timeout(std::chrono::milliseconds ms, std::function<void()> hook = {}) {
    sink_->set_timeout(ms, std::move(hook));
  }
  /// Node's res.socket.
  stream_socket& socket() noexcept { return sink_->socket(); }
  /// Completes when end() has handed everything to the kernel (Node's 'finish').
  awaitable<void> wait_finish() { return finish_.wait(); }
  /// Completes when the connection closes (Node's 'close').
  awaitable<void> wait_close() { return sink_->wait_closed(); }

  // --- for the connection ----------------------------------------------------------------------
  void reset(detail::response_sink* sink, const detail::response_context& ctx);
  /// After end(): may the connection serve another request?
  bool keep_alive() const noexcept { return keep_alive_ && !must_close_; }
  /// Marks the response as the last on its connection (server closing); adds `Connection: close`.
  void set_last() noexcept {
    if (!head_built_) keep_alive_ = false;
  }
  bool head_sent() const noexcept { return head_sent_; }

 private:
  static constexpr std::size_t small_body = 512;

  boost::system::error_code count_body(std::size_t n);

  boost::system::error_code build_head(std::optional<std::uint64_t> known_length);

  detail::response_sink* sink_ = nullptr;
  detail::response_context ctx_;
  outgoing_headers headers_;
  header_list trailers_;
  head_writer head_;
  last_chunk_writer last_;
  framing_plan plan_;
  std::optional<std::uint64_t> declared_length_;
  std::uint64_t body_bytes_ = 0;
  bool head_built_ = false, head_sent_ = false, ended_ = false, must_close_ = false;
  bool removed_content_length_ = false, removed_transfer_encoding_ = false;
  bool keep_alive_ = true;
  detail::async_event finish_;
};

}  // namespace corohttp

#if !defined(COROHTTP_SEPARATE_COMPILATION)
#include <corohttp/impl/server_response.ipp>
#endif
