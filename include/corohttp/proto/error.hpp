// Protocol errors: an enum whose names mirror llhttp's HPE_* codes, in a boost::system error
// category of our own, with the messages Node prints ("Parse Error: <message>").
#pragma once

#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>
#include <type_traits>

namespace corohttp {

enum class error {
  ok = 0,
  // Parser errors (llhttp's names; values are ours).
  invalid_method,               ///< HPE_INVALID_METHOD
  invalid_url,                  ///< HPE_INVALID_URL
  invalid_constant,             ///< HPE_INVALID_CONSTANT: "HTTP/" or a fixed token expected
  invalid_version,              ///< HPE_INVALID_VERSION
  invalid_status,               ///< HPE_INVALID_STATUS
  invalid_header_token,         ///< HPE_INVALID_HEADER_TOKEN: a bad byte in a field name or value
  unexpected_space,             ///< HPE_UNEXPECTED_SPACE: whitespace where the grammar has none
  cr_expected,                  ///< HPE_CR_EXPECTED: a bare LF
  lf_expected,                  ///< HPE_LF_EXPECTED: a CR not followed by LF
  invalid_content_length,       ///< HPE_INVALID_CONTENT_LENGTH (also: a duplicate)
  unexpected_content_length,    ///< HPE_UNEXPECTED_CONTENT_LENGTH: Content-Length with Transfer-Encoding
  invalid_transfer_encoding,    ///< HPE_INVALID_TRANSFER_ENCODING
  invalid_chunk_size,           ///< HPE_INVALID_CHUNK_SIZE
  strict,                       ///< HPE_STRICT: a chunk's data not followed by CRLF, and the like
  invalid_eof_state,            ///< HPE_INVALID_EOF_STATE: the peer closed mid-message
  closed_connection,            ///< HPE_CLOSED_CONNECTION: data after a message that closes
  header_overflow,              ///< HPE_HEADER_OVERFLOW: head larger than max_header_size (→ 431)
  chunk_extensions_overflow,    ///< HPE_CHUNK_EXTENSIONS_OVERFLOW: chunk extensions too long (→ 413)
  paused_upgrade,               ///< HPE_PAUSED_UPGRADE: bytes after an upgrade are not HTTP
  paused_h2_upgrade,            ///< HPE_PAUSED_H2_UPGRADE: the HTTP/2 preface ("PRI * HTTP/2.0")
  // Checks stricter than Node (RFC 9112 MUSTs), used by the server.
  invalid_host,                 ///< no Host, several, a list, or an invalid one on HTTP/1.1
  // Serializer errors (Node's ERR_* codes).
  invalid_http_token,           ///< ERR_INVALID_HTTP_TOKEN: a header name or method that is no token
  invalid_char,                 ///< ERR_INVALID_CHAR: CR, LF, NUL or another CTL in a header value
  headers_sent,                 ///< ERR_HTTP_HEADERS_SENT: headers can no longer change
  body_not_allowed,             ///< a body for HEAD, 204 or 304 (Node: ERR_HTTP_BODY_NOT_ALLOWED)
  content_length_mismatch,      ///< ERR_HTTP_CONTENT_LENGTH_MISMATCH
  invalid_status_code,          ///< ERR_HTTP_INVALID_STATUS_CODE: outside 100-999
  unescaped_characters,         ///< ERR_UNESCAPED_CHARACTERS: a request path with spaces or controls
  invalid_trailer,              ///< ERR_HTTP_TRAILER_INVALID: trailers on a message that is not chunked
  write_after_end,              ///< ERR_STREAM_WRITE_AFTER_END
  unknown_encoding,             ///< ERR_UNKNOWN_ENCODING: set_encoding() with an encoding we do not know
  body_too_large,               ///< a body longer than the limit given to read_all()
  request_timeout,              ///< ERR_HTTP_REQUEST_TIMEOUT: headers_timeout or request_timeout passed
  socket_timeout,               ///< the socket was idle longer than its timeout
  socket_hang_up,               ///< ECONNRESET "socket hang up": the peer closed before a response
  aborted,                      ///< the request was aborted (Node's 'abort')
  connection_closed,            ///< the connection closed before the message ended
  unsupported_protocol,         ///< ERR_INVALID_PROTOCOL: a URL scheme other than http
  agent_destroyed,              ///< the agent was destroyed while the request waited for a socket
  no_continue,                  ///< a final response came instead of 100 Continue (wait_continue())
};

namespace detail {

struct error_info {
  std::string_view name;
  std::string_view message;
};

constexpr error_info describe(error e) noexcept {
  switch (e) {
    case error::ok: return {"HPE_OK", "Success"};
    case error::invalid_method: return {"HPE_INVALID_METHOD", "Invalid method encountered"};
    case error::invalid_url: return {"HPE_INVALID_URL", "Invalid URL"};
    case error::invalid_constant: return {"HPE_INVALID_CONSTANT", "Expected HTTP/"};
    case error::invalid_version: return {"HPE_INVALID_VERSION", "Invalid HTTP version"};
    case error::invalid_status: return {"HPE_INVALID_STATUS", "Invalid status code"};
    case error::invalid_header_token: return {"HPE_INVALID_HEADER_TOKEN", "Invalid header token"};
    case error::unexpected_space: return {"HPE_UNEXPECTED_SPACE", "Unexpected whitespace"};
    case error::cr_expected: return {"HPE_CR_EXPECTED", "Missing expected CR"};
    case error::lf_expected: return {"HPE_LF_EXPECTED", "Missing expected LF"};
    case error::invalid_content_length: return {"HPE_INVALID_CONTENT_LENGTH", "Invalid Content-Length"};
    case error::unexpected_content_length:
      return {"HPE_UNEXPECTED_CONTENT_LENGTH", "Content-Length can't be present with Transfer-Encoding"};
    case error::invalid_transfer_encoding:
      return {"HPE_INVALID_TRANSFER_ENCODING", "Invalid Transfer-Encoding"};
    case error::invalid_chunk_size: return {"HPE_INVALID_CHUNK_SIZE", "Invalid character in chunk size"};
    case error::strict: return {"HPE_STRICT", "Expected CRLF after chunk"};
    case error::invalid_eof_state: return {"HPE_INVALID_EOF_STATE", "Invalid EOF state"};
    case error::closed_connection: return {"HPE_CLOSED_CONNECTION", "Data after `Connection: close`"};
    case error::header_overflow: return {"HPE_HEADER_OVERFLOW", "Header overflow"};
    case error::chunk_extensions_overflow:
      return {"HPE_CHUNK_EXTENSIONS_OVERFLOW", "Chunk extensions overflow"};
    case error::paused_upgrade: return {"HPE_PAUSED_UPGRADE", "Pause on CONNECT/Upgrade"};
    case error::paused_h2_upgrade: return {"HPE_PAUSED_H2_UPGRADE", "Pause on PRI/Upgrade"};
    case error::invalid_host: return {"HPE_INVALID_HOST", "Missing or invalid Host header"};
    case error::invalid_http_token: return {"ERR_INVALID_HTTP_TOKEN", "Invalid HTTP token"};
    case error::invalid_char: return {"ERR_INVALID_CHAR", "Invalid character in header content"};
    case error::headers_sent:
      return {"ERR_HTTP_HEADERS_SENT", "Cannot set headers after they are sent to the client"};
    case error::body_not_allowed:
      return {"ERR_HTTP_BODY_NOT_ALLOWED", "Adding content for this request method or response status is not allowed"};
    case error::content_length_mismatch:
      return {"ERR_HTTP_CONTENT_LENGTH_MISMATCH", "Response body's content-length does not match Content-Length"};
    case error::invalid_status_code: return {"ERR_HTTP_INVALID_STATUS_CODE", "Invalid status code"};
    case error::unescaped_characters:
      return {"ERR_UNESCAPED_CHARACTERS", "Request path contains unescaped characters"};
    case error::write_after_end: return {"ERR_STREAM_WRITE_AFTER_END", "write after end"};
    case error::unknown_encoding: return {"ERR_UNKNOWN_ENCODING", "Unknown encoding"};
    case error::body_too_large: return {"ERR_BODY_TOO_LARGE", "Body larger than the limit"};
    case error::request_timeout: return {"ERR_HTTP_REQUEST_TIMEOUT", "Request timeout"};
    case error::socket_timeout: return {"ERR_SOCKET_TIMEOUT", "Socket timeout"};
    case error::socket_hang_up: return {"ECONNRESET", "socket hang up"};
    case error::aborted: return {"ECONNRESET", "aborted"};
    case error::connection_closed: return {"ERR_STREAM_PREMATURE_CLOSE", "Premature close"};
    case error::unsupported_protocol: return {"ERR_INVALID_PROTOCOL", "Protocol not supported. Expected \"http:\""};
    case error::agent_destroyed: return {"ERR_AGENT_DESTROYED", "The agent was destroyed"};
    case error::no_continue:
      return {"ERR_HTTP_NO_CONTINUE", "The server sent a final response instead of 100 Continue"};
    case error::invalid_trailer:
      return {"ERR_HTTP_TRAILER_INVALID", "Trailers are invalid with this transfer encoding"};
  }
  return {"HPE_UNKNOWN", "Unknown error"};
}

class error_category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "corohttp"; }
  std::string message(int ev) const override {
    return std::string(describe(static_cast<error>(ev)).message);
  }
};

}  // namespace detail

inline const boost::system::error_category& error_category() noexcept {
  static const detail::error_category_impl category;
  return category;
}

inline boost::system::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

/// llhttp's / Node's code name for an error of ours ("HPE_INVALID_METHOD", "ERR_INVALID_CHAR"...).
inline std::string_view error_name(const boost::system::error_code& ec) noexcept {
  if (ec.category() != error_category()) return {};
  return detail::describe(static_cast<error>(ec.value())).name;
}

}  // namespace corohttp

template <>
struct boost::system::is_error_code_enum<corohttp::error> : std::true_type {};
