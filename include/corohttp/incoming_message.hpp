// Node's http.IncomingMessage: a request as the server sees it, or a response as the client sees
// it. The head is copied out of the connection's buffer once (into storage reused across
// messages); the body is pulled chunk by chunk with `co_await read()`, which is the async generator
// of Node's 'data' events: each call yields the next chunk, and std::nullopt at the end.
#pragma once

#include <corohttp/config.hpp>
#include <corohttp/detail/string_decoder.hpp>
#include <corohttp/io/stream.hpp>
#include <corohttp/proto/headers.hpp>
#include <corohttp/proto/methods.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace corohttp {

struct message_head;  // proto/parser.hpp: only the connections that fill a message need it

namespace detail {
/// What an incoming_message needs from the connection it arrived on.
class message_source {
 public:
  /// The next body chunk (a view valid until the next call), std::nullopt at the end or on error.
  virtual awaitable<std::optional<std::string_view>> read_body(boost::system::error_code& ec) = 0;
  virtual stream_socket& socket() noexcept = 0;
  virtual void set_timeout(std::chrono::milliseconds ms, std::function<void()> hook) = 0;
  /// Completes when the connection is closed.
  virtual awaitable<void> wait_closed() = 0;

 protected:
  ~message_source() = default;
};
}  // namespace detail

class incoming_message {
 public:
  incoming_message() = default;
  incoming_message(const incoming_message&) = delete;
  incoming_message& operator=(const incoming_message&) = delete;

  // --- the head --------------------------------------------------------------------------------
  /// Requests: the method as sent ("GET").
  std::string_view method() const noexcept { return method_text_; }
  corohttp::method method_id() const noexcept { return method_; }
  /// Requests: the request-target as sent ("/path?query").
  std::string_view url() const noexcept { return url_; }
  /// Responses: the status code and reason phrase.
  int status_code() const noexcept { return status_; }
  std::string_view status_message() const noexcept { return reason_; }
  /// "1.1", "1.0".
  std::string_view http_version() const noexcept { return {version_, 3}; }
  int http_version_major() const noexcept { return major_; }
  int http_version_minor() const noexcept { return minor_; }

  /// Node's `message.headers`: lowercase names, duplicates merged by Node's rules. Built on first use.
  const header_map& headers() const {
    if (!merged_) merged_ = fields_.merged();
    return *merged_;
  }
  /// Node's `message.headersDistinct`.
  header_map headers_distinct() const { return fields_.distinct(); }
  /// Node's `message.rawHeaders`: name, value, name, value... as received.
  std::vector<std::string_view> raw_headers() const { return fields_.raw(); }
  /// The received fields, in order, with their case: lookups here never allocate.
  const header_list& fields() const noexcept { return fields_; }
  /// Node's `headers[name]` for one name (merged by Node's rules).
  std::optional<std::string> get_header(std::string_view name) const { return fields_.get(name); }

  /// Node's `message.trailers` / `rawTrailers`: filled once the body has been read to its end.
  const header_map& trailers() const {
    if (!merged_trailers_) merged_trailers_ = trailer_fields_.merged();
    return *merged_trailers_;
  }
  std::vector<std::string_view> raw_trailers() const { return trailer_fields_.raw(); }
  const header_list& trailer_fields() const noexcept { return trailer_fields_; }

  /// Node's `message.complete`: the whole message has been received.
  bool complete() const noexcept { return complete_; }
  /// Node's `message.aborted`: the connection ended before the message did.
  bool aborted() const noexcept { return aborted_; }
  /// True when the sender asked for `Expect: 100-continue`.
  bool expects_continue() const noexcept { return expect_continue_; }
  /// The parser's keep-alive verdict for this message (HTTP version + Connection tokens).
  bool keep_alive() const noexcept { return keep_alive_; }

  // --- the body --------------------------------------------------------------------------------
  /// The next chunk of the body, decoded if set_encoding() was called; std::nullopt at the end or on
  /// an error (then error() says which). The view stays valid until the next read().
  awaitable<std::optional<std::string_view>> read();

  /// Reads the whole body into `out` (appending). Stops with error::body_too_large (after
  /// `limit` bytes) or the connection's error.
  awaitable<boost::system::error_code> read_all(std::string& out,
                                                std::size_t limit = std::numeric_limits<std::size_t>::max());

  /// The whole body as a string; throws boost::system::system_error on error (the convenience
  /// overload: read_all(out, limit) reports errors without exceptions).
  awaitable<std::string> body(std::size_t limit = std::numeric_limits<std::size_t>::max());

  /// Node's setEncoding(): "utf8", "latin1"/"binary", "ascii", "hex" or "base64". Chunks are then
  /// text, never splitting a character.
  boost::system::error_code set_encoding(std::string_view encoding);

  /// The error that ended the body early, if any.
  boost::system::error_code error() const noexcept { return ec_; }

  /// The connection's socket (Node's `message.socket`).
  stream_socket& socket() noexcept { return source_->socket(); }
  /// Node's `message.setTimeout(ms, callback)`: the socket's idle timeout.
  void set_timeout(std::chrono::milliseconds ms, std::function<void()> hook = {}) {
    source_->set_timeout(ms, std::move(hook));
  }
  /// Completes when the underlying connection closes (Node's 'close').
  awaitable<void> wait_close() { return source_->wait_closed(); }

  // --- for the connection that fills it --------------------------------------------------------
  /// Takes a parsed head (copying it out of the parser's buffer).
  void assign(const message_head& head, detail::message_source* source);
  void set_trailers(std::span<const header_field> trailers);
  void mark_aborted() noexcept { aborted_ = !complete_; }
  /// True once read() has reported the end (or the body was empty).
  bool body_done() const noexcept { return done_; }

 private:
  void finish_body() {
    done_ = true;
    if (!ec_) complete_ = true;
    else aborted_ = true;
  }

  corohttp::method method_ = method::unknown;
  std::string method_text_, url_, reason_;
  int status_ = 0;
  int major_ = 1, minor_ = 1;
  char version_[3] = {'1', '.', '1'};
  header_list fields_, trailer_fields_;
  mutable std::optional<header_map> merged_, merged_trailers_;
  bool keep_alive_ = true, expect_continue_ = false;
  bool complete_ = false, aborted_ = false, done_ = true;
  boost::system::error_code ec_;
  std::optional<detail::string_decoder> decoder_;
  std::string decoded_;
  detail::message_source* source_ = nullptr;
};

}  // namespace corohttp

#if !defined(COROHTTP_SEPARATE_COMPILATION)
#include <corohttp/impl/incoming_message.ipp>
#endif
