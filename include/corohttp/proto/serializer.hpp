// Writing messages: the head (start line + fields) into a small reusable buffer, the chunked
// encoding as gather buffers that never copy the body, and the one place that decides how a body
// is framed (Content-Length, chunked, or until close), for server and client alike.
#pragma once

#include <corohttp/proto/ascii.hpp>
#include <corohttp/proto/error.hpp>
#include <corohttp/proto/headers.hpp>
#include <corohttp/proto/body_framing.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace corohttp {

/// A header name Node would accept (`ERR_INVALID_HTTP_TOKEN` otherwise).
inline boost::system::error_code check_header_name(std::string_view name) noexcept {
  if (!ascii::is_token(name)) return error::invalid_http_token;
  return {};
}

/// A header value that cannot split a message: no CR, LF, NUL or other control but HTAB
/// (`ERR_INVALID_CHAR` otherwise, as Node's checkInvalidHeaderChar).
inline boost::system::error_code check_header_value(std::string_view value) noexcept {
  if (!ascii::is_field_value(value)) return error::invalid_char;
  return {};
}

/// A request path Node would send: bytes 0x21-0xFF only (`ERR_UNESCAPED_CHARACTERS` otherwise).
inline boost::system::error_code check_request_target(std::string_view target) noexcept {
  if (target.empty()) return error::unescaped_characters;
  for (char c : target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return error::unescaped_characters;
  return {};
}

/// Writes one message head. Every piece is validated as it goes in, so nothing that reaches the
/// buffer can end the head early or start another message. The buffer keeps its capacity across
/// clear(), so a connection writes heads without allocating once warm.
class head_writer {
 public:
  head_writer() = default;
  head_writer(const head_writer& o) { put(o.data()); }
  head_writer& operator=(const head_writer& o) {
    if (this != &o) {
      clear();
      put(o.data());
    }
    return *this;
  }
  head_writer(head_writer&& o) noexcept
      : buf_(std::move(o.buf_)), size_(std::exchange(o.size_, 0)), cap_(std::exchange(o.cap_, 0)) {}
  head_writer& operator=(head_writer&& o) noexcept {
    buf_ = std::move(o.buf_);
    size_ = std::exchange(o.size_, 0);
    cap_ = std::exchange(o.cap_, 0);
    return *this;
  }

  void clear() noexcept { size_ = 0; }

  /// "METHOD target HTTP/1.x" CRLF
  boost::system::error_code request_line(std::string_view method, std::string_view target, int minor = 1) {
    if (!ascii::is_token(method)) return error::invalid_http_token;
    if (auto ec = check_request_target(target)) return ec;
    put(method);
    put(" ");
    put(target);
    put(minor == 0 ? std::string_view(" HTTP/1.0\r\n") : std::string_view(" HTTP/1.1\r\n"));
    return {};
  }

  /// "HTTP/1.x status reason" CRLF
  boost::system::error_code status_line(int status, std::string_view reason, int minor = 1) {
    if (auto ec = check_header_value(reason)) return ec;
    return trusted_status_line(status, reason, minor);
  }
  /// The same with a reason known to be valid (a constant of ours); checks only the code.
  boost::system::error_code trusted_status_line(int status, std::string_view reason, int minor = 1) {
    if (status < 100 || status > 999) return error::invalid_status_code;
    char* p = room(9 + 3 + 1 + reason.size() + 2);
    std::memcpy(p, minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ", 9);
    p[9] = static_cast<char>('0' + status / 100);
    p[10] = static_cast<char>('0' + status / 10 % 10);
    p[11] = static_cast<char>('0' + status % 10);
    p[12] = ' ';
    if (!reason.empty()) std::memcpy(p + 13, reason.data(), reason.size());
    p[13 + reason.size()] = '\r';
    p[14 + reason.size()] = '\n';
    return {};
  }

  /// "Name: value" CRLF
  boost::system::error_code field(std::string_view name, std::string_view value) {
    if (auto ec = check_header_name(name)) return ec;
    if (auto ec = check_header_value(value)) return ec;
    append_field(name, value);
    return {};
  }

  /// "Name: <decimal>" CRLF
  boost::system::error_code field(std::string_view name, std::uint64_t value) {
    if (auto ec = check_header_name(name)) return ec;
    char digits[20];
    auto r = std::to_chars(digits, digits + sizeof digits, value);
    append_field(name, std::string_view(digits, static_cast<std::size_t>(r.ptr - digits)));
    return {};
  }

  /// A field known to be valid (a constant of ours); skips the checks.
  void trusted_field(std::string_view name, std::string_view value) { append_field(name, value); }
  void trusted_field(std::string_view name, std::uint64_t value) {
    char digits[20];
    auto r = std::to_chars(digits, digits + sizeof digits, value);
    append_field(name, std::string_view(digits, static_cast<std::size_t>(r.ptr - digits)));
  }
  /// Lines known to be valid and already framed ("Name: value" CRLF ...).
  void trusted_lines(std::string_view lines) { put(lines); }

  /// Every field of a list, validated.
  boost::system::error_code fields(const header_list& list) {
    for (header_field f : list)
      if (auto ec = field(f.name, f.value)) return ec;
    return {};
  }

  /// The empty line that ends the head.
  void end() { put("\r\n"); }
  /// Body bytes after the ended head, so that a small message leaves as one buffer.
  void append_body(std::string_view bytes) { put(bytes); }

  std::string_view data() const noexcept { return {buf_.get(), size_}; }
  std::size_t size() const noexcept { return size_; }

 private:
  // Heads are written once per message, so this is hot: one capacity check per field and straight
  // copies into storage that keeps its capacity across clear() (no allocation once warm).
  char* room(std::size_t n) {
    if (cap_ - size_ < n) {
      std::size_t cap = std::max<std::size_t>({256, 2 * cap_, size_ + n});
      std::unique_ptr<char[]> bigger(new char[cap]);
      if (size_) std::memcpy(bigger.get(), buf_.get(), size_);
      buf_ = std::move(bigger);
      cap_ = cap;
    }
    char* p = buf_.get() + size_;
    size_ += n;
    return p;
  }
  void put(std::string_view s) {
    if (!s.empty()) std::memcpy(room(s.size()), s.data(), s.size());
  }
  void append_field(std::string_view name, std::string_view value) {
    char* p = room(name.size() + value.size() + 4);
    std::memcpy(p, name.data(), name.size());
    p += name.size();
    p[0] = ':';
    p[1] = ' ';
    p += 2;
    if (!value.empty()) std::memcpy(p, value.data(), value.size());
    p += value.size();
    p[0] = '\r';
    p[1] = '\n';
  }

  std::unique_ptr<char[]> buf_;
  std::size_t size_ = 0, cap_ = 0;
};

// --- chunked encoding (RFC 9112 §7.1) -----------------------------------------------------------

/// The line that opens one chunk, "<hex size>" CRLF, held inline: no allocation, no copy of the
/// chunk's data. On the wire a chunk is chunk_header(n), the caller's n bytes, then chunk_crlf.
class chunk_header {
 public:
  explicit chunk_header(std::size_t size) noexcept {
    char tmp[16];
    std::size_t n = 0;
    do {
      tmp[n++] = "0123456789abcdef"[size & 0xf];
      size >>= 4;
    } while (size);
    for (std::size_t i = 0; i < n; ++i) buf_[i] = tmp[n - 1 - i];
    buf_[n] = '\r';
    buf_[n + 1] = '\n';
    len_ = static_cast<std::uint8_t>(n + 2);
  }
  std::string_view view() const noexcept { return {buf_.data(), len_}; }

 private:
  std::array<char, 18> buf_{};
  std::uint8_t len_ = 0;
};

/// What ends a chunk's data.
inline constexpr std::string_view chunk_crlf = "\r\n";

/// The three pieces of one chunk, ready for a gather write (an empty `data` must not be framed:
/// a zero-size chunk would end the body).
struct chunk_pieces {
  chunk_header header;
  std::string_view data;
  std::array<std::string_view, 3> buffers() const noexcept { return {header.view(), data, chunk_crlf}; }
};

inline chunk_pieces frame_chunk(std::string_view data) noexcept { return {chunk_header(data.size()), data}; }

/// The end of a chunked body: "0" CRLF, the trailer fields, CRLF. Trailers are validated as headers.
class last_chunk_writer {
 public:
  boost::system::error_code write(const header_list& trailers) {
    buf_.assign("0\r\n");
    for (header_field f : trailers) {
      if (auto ec = check_header_name(f.name)) return ec;
      if (auto ec = check_header_value(f.value)) return ec;
      buf_.append(f.name).append(": ").append(f.value).append("\r\n");
    }
    buf_.append("\r\n");
    return {};
  }
  std::string_view data() const noexcept { return buf_; }

 private:
  std::string buf_ = "0\r\n\r\n";
};

/// The end of a chunked body without trailers.
inline constexpr std::string_view last_chunk = "0\r\n\r\n";

// --- choosing the framing -----------------------------------------------------------------------

/// What is known about an outgoing message when its head is written.
struct framing_input {
  bool body_allowed = true;             ///< false for HEAD responses, 1xx, 204, 304
  bool user_content_length = false;     ///< the caller set Content-Length
  bool user_transfer_encoding = false;  ///< the caller set Transfer-Encoding
  bool user_te_chunked = false;         ///< ...and its last coding is chunked
  bool removed_content_length = false;  ///< the caller removed Content-Length (Node's _removedContLen)
  bool removed_transfer_encoding = false;
  std::optional<std::uint64_t> known_length;  ///< the whole body is known (end(data) before any write)
  bool chunked_allowed = true;          ///< the peer speaks HTTP/1.1 (a 1.0 peer cannot de-chunk)
  bool chunked_by_default = true;       ///< Node's useChunkedEncodingByDefault (false for GET, HEAD, ...)
  bool trailers = false;                ///< trailers will follow (they need chunked)
};

/// How the body goes on the wire, and the framing field the writer adds (none when the caller's own
/// fields already say it).
struct framing_plan {
  body_framing framing = body_framing::none;
  bool add_content_length = false;
  std::uint64_t content_length = 0;
  bool add_chunked = false;      ///< add "Transfer-Encoding: chunked"
  bool close_delimited = false;  ///< the connection must close to end the body
};

/// Node's OutgoingMessage rules (_storeHeader), in one place, with one deliberate difference: a
/// body on a request whose method has none by default (GET, DELETE...) is framed (Content-Length or
/// chunked) where Node sends it unframed, to be misread by the server as the next request.
inline framing_plan choose_framing(const framing_input& in) noexcept {
  framing_plan plan;
  if (!in.body_allowed) return plan;  // no body, and no framing field added
  if (in.user_transfer_encoding) {
    plan.framing = in.user_te_chunked ? body_framing::chunked : body_framing::eof;
    plan.close_delimited = !in.user_te_chunked;
    return plan;
  }
  if (in.user_content_length) {
    plan.framing = body_framing::length;
    return plan;
  }
  if (in.known_length) {
    if (*in.known_length == 0 && !in.chunked_by_default) return plan;  // GET and friends: nothing to frame
    if (!in.trailers && !in.removed_content_length) {
      plan.framing = *in.known_length ? body_framing::length : body_framing::none;
      plan.add_content_length = true;
      plan.content_length = *in.known_length;
      return plan;
    }
  }
  if (in.chunked_allowed && !in.removed_transfer_encoding) {
    plan.framing = body_framing::chunked;
    plan.add_chunked = true;
    return plan;
  }
  plan.framing = body_framing::eof;  // the body ends when the connection closes
  plan.close_delimited = true;
  return plan;
}

}  // namespace corohttp
