// Node's http.ServerResponse. Headers are set until the head is written; write() and end()
// complete when the bytes are handed to the kernel, which is the backpressure Node expresses with
// write() returning false and 'drain'. The body is framed as Node frames it (proto/serializer.hpp):
// Content-Length when known, chunked otherwise on HTTP/1.1, until close on HTTP/1.0; no body for
// HEAD, 1xx, 204 and 304.
#pragma once

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
  boost::system::error_code remove_header(std::string_view name) {
    if (head_built_) return error::headers_sent;
    if (ascii::iequals(name, "content-length")) removed_content_length_ = true;
    if (ascii::iequals(name, "transfer-encoding")) removed_transfer_encoding_ = true;
    if (ascii::iequals(name, "date")) send_date = false;
    headers_.remove(name);
    return {};
  }
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
                                       std::initializer_list<std::pair<std::string_view, std::string_view>> fields = {}) {
    if (head_built_) return error::headers_sent;
    if (status < 100 || status > 999) return error::invalid_status_code;
    for (auto& [n, v] : fields)
      if (auto ec = headers_.set(n, v)) return ec;
    status_code = status;
    if (!message.empty()) {
      if (auto ec = check_header_value(message)) return ec;
      status_message.assign(message);
    }
    return build_head(std::nullopt);
  }
  boost::system::error_code write_head(int status,
                                       std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
    return write_head(status, {}, fields);
  }

  /// Node's writeContinue(): "HTTP/1.1 100 Continue", now.
  awaitable<boost::system::error_code> write_continue() {
    static constexpr std::string_view line = "HTTP/1.1 100 Continue\r\n\r\n";
    std::span<const std::string_view> pieces(&line, 1);
    std::size_t sent = 0;
    boost::system::error_code ec;
    if (!sink_->try_write(pieces, false, sent, ec)) ec = co_await sink_->write_rest(pieces, sent);
    co_return ec;
  }

  /// Node's writeEarlyHints({link: [...]}): a 103 with Link fields, now.
  awaitable<boost::system::error_code> write_early_hints(std::initializer_list<std::string_view> links) {
    head_writer w;
    (void)w.status_line(103, "Early Hints");
    for (std::string_view l : links)
      if (auto ec = w.field("Link", l)) co_return ec;
    w.end();
    std::string_view piece = w.data();
    std::span<const std::string_view> pieces(&piece, 1);
    std::size_t sent = 0;
    boost::system::error_code ec;
    if (!sink_->try_write(pieces, false, sent, ec)) ec = co_await sink_->write_rest(pieces, sent);
    co_return ec;
  }

  /// Node's addTrailers(): sent after a chunked body (ignored, as Node does, otherwise).
  boost::system::error_code add_trailers(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
    for (auto& [n, v] : fields) {
      if (auto ec = check_header_name(n)) return ec;
      if (auto ec = check_header_value(v)) return ec;
      trailers_.add(n, v);
    }
    return {};
  }

  // --- the body --------------------------------------------------------------------------------
  /// Sends a chunk of the body (the head first, if not yet sent); completes when the kernel has it.
  awaitable<boost::system::error_code> write(std::string_view data) {
    if (ended_) co_return error::write_after_end;
    if (!head_built_)
      if (auto ec = build_head(std::nullopt)) co_return ec;
    std::array<std::string_view, 4> pieces;
    std::size_t n = 0;
    if (!head_sent_) pieces[n++] = head_.data();
    chunk_header frame(data.size());
    if (!data.empty() && plan_.framing != body_framing::none) {
      if (plan_.framing == body_framing::chunked) {
        pieces[n++] = frame.view();
        pieces[n++] = data;
        pieces[n++] = chunk_crlf;
      } else {
        if (auto ec = count_body(data.size())) co_return ec;
        pieces[n++] = data;
      }
    }
    if (n == 0) co_return boost::system::error_code{};
    head_sent_ = true;
    std::span<const std::string_view> out(pieces.data(), n);
    std::size_t sent = 0;
    boost::system::error_code ec;
    if (!sink_->try_write(out, false, sent, ec)) ec = co_await sink_->write_rest(out, sent);
    co_return ec;
  }

  /// Ends the response, with a last chunk of data if given. Completes when the kernel has it all.
  awaitable<boost::system::error_code> end(std::string_view data = {}) {
    if (ended_) co_return boost::system::error_code{};
    if (!head_built_)
      if (auto ec = build_head(data.size())) co_return ec;
    ended_ = true;
    std::array<std::string_view, 5> pieces;
    std::size_t n = 0;
    if (!head_sent_) pieces[n++] = head_.data();
    chunk_header frame(data.size());
    boost::system::error_code body_ec;
    if (plan_.framing == body_framing::chunked) {
      if (!data.empty()) {
        pieces[n++] = frame.view();
        pieces[n++] = data;
        pieces[n++] = chunk_crlf;
      }
      if (trailers_.empty()) {
        pieces[n++] = last_chunk;
      } else if (auto ec = last_.write(trailers_)) {
        body_ec = ec;
        pieces[n++] = last_chunk;
      } else {
        pieces[n++] = last_.data();
      }
    } else if (plan_.framing != body_framing::none && !data.empty()) {
      body_ec = count_body(data.size());
      if (!body_ec && n == 1 && data.size() <= small_body) {
        head_.append_body(data);  // a small body joins its head: one buffer, one send()
        pieces[0] = head_.data();
      } else if (!body_ec) {
        pieces[n++] = data;
      }
    }
    if (plan_.framing == body_framing::length && declared_length_ && body_bytes_ != *declared_length_)
      must_close_ = true;  // the peer would wait for bytes that never come, or misread extra ones
    head_sent_ = true;
    std::span<const std::string_view> out(pieces.data(), n);
    std::size_t sent = 0;
    boost::system::error_code ec;
    if (!sink_->try_write(out, true, sent, ec)) ec = co_await sink_->write_rest(out, sent);
    finish_.set();
    co_return ec ? ec : body_ec;
  }

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
  void reset(detail::response_sink* sink, const detail::response_context& ctx) {
    sink_ = sink;
    ctx_ = ctx;
    status_code = 200;
    status_message.clear();
    send_date = true;
    headers_.clear();
    trailers_.clear();
    head_built_ = head_sent_ = ended_ = must_close_ = false;
    removed_content_length_ = removed_transfer_encoding_ = false;
    body_bytes_ = 0;
    declared_length_.reset();
    plan_ = {};
    keep_alive_ = ctx.keep_alive;
    finish_.reset();
  }
  /// After end(): may the connection serve another request?
  bool keep_alive() const noexcept { return keep_alive_ && !must_close_; }
  /// Marks the response as the last on its connection (server closing); adds `Connection: close`.
  void set_last() noexcept {
    if (!head_built_) keep_alive_ = false;
  }
  bool head_sent() const noexcept { return head_sent_; }

 private:
  static constexpr std::size_t small_body = 512;

  boost::system::error_code count_body(std::size_t n) {
    body_bytes_ += n;
    if (declared_length_ && body_bytes_ > *declared_length_) {
      body_bytes_ -= n;
      must_close_ = true;
      return error::content_length_mismatch;
    }
    return {};
  }

  boost::system::error_code build_head(std::optional<std::uint64_t> known_length) {
    const bool body_allowed =
        !ctx_.head_request && !(status_code >= 100 && status_code < 200) && status_code != 204 && status_code != 304;
    head_.clear();
    if (!status_message.empty()) {
      if (auto ec = head_.status_line(status_code, status_message)) return ec;
    } else {
      std::string_view reason = status_text(status_code);
      if (auto ec = head_.trusted_status_line(status_code, reason.empty() ? "unknown" : reason)) return ec;
    }
    headers_.write_to(head_);

    framing_input in;
    in.body_allowed = body_allowed;
    in.known_length = known_length;
    in.chunked_allowed = !ctx_.http10;
    in.removed_content_length = removed_content_length_;
    in.removed_transfer_encoding = removed_transfer_encoding_;
    in.trailers = !trailers_.empty();
    bool user_connection = false;
    for (const auto& f : headers_) {
      if (ascii::iequals(f.name, "content-length")) {
        in.user_content_length = true;
        std::uint64_t n = 0;
        std::string_view v = f.values.front();
        auto r = std::from_chars(v.data(), v.data() + v.size(), n);
        if (r.ec == std::errc() && r.ptr == v.data() + v.size()) declared_length_ = n;
      } else if (ascii::iequals(f.name, "transfer-encoding")) {
        in.user_transfer_encoding = true;
        std::string_view v = ascii::trim_ows(f.values.back());
        in.user_te_chunked = v.size() >= 7 && ascii::iequals(v.substr(v.size() - 7), "chunked");
      } else if (ascii::iequals(f.name, "connection")) {
        user_connection = true;
        for (const auto& v : f.view())
          if (v.find("close") != std::string::npos || v.find("Close") != std::string::npos) keep_alive_ = false;
      }
    }
    if (!body_allowed) in.user_content_length = in.user_transfer_encoding = false;
    plan_ = choose_framing(in);
    if (!body_allowed) plan_.framing = body_framing::none;
    if (plan_.close_delimited) keep_alive_ = false;

    const bool date = send_date && !headers_.has("date");
    if (!user_connection) {
      const bool can_keep = keep_alive_ && plan_.framing != body_framing::eof;
      if (can_keep && !ctx_.last_allowed) {
        if (date) {
          head_.trusted_lines(sink_->keep_alive_fields());  // the usual case: one copy
        } else {
          head_.trusted_field("Connection", "keep-alive");
          if (!ctx_.keep_alive_header.empty()) head_.trusted_field("Keep-Alive", ctx_.keep_alive_header);
        }
      } else {
        if (date) head_.trusted_field("Date", sink_->date());
        keep_alive_ = false;
        head_.trusted_field("Connection", "close");
      }
    } else if (date) {
      head_.trusted_field("Date", sink_->date());
    }
    if (plan_.add_content_length) {
      head_.trusted_field("Content-Length", plan_.content_length);
      declared_length_ = plan_.content_length;
    }
    if (plan_.add_chunked) head_.trusted_field("Transfer-Encoding", "chunked");
    head_.end();
    head_built_ = true;
    return {};
  }

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
