// Incremental, sans-IO HTTP/1.1 parser for requests and responses (RFC 9112), strict by default as
// modern Node's llhttp is.
//
// The contract, in short:
//  * The caller owns the bytes. Each call to parse() gets the unconsumed bytes, starting where the
//    last step's `consumed` ended, with any new bytes appended; the parser never copies them.
//  * Each call returns one step: `head` (the start line and headers are in head(), as views into the
//    bytes of this call), `body` (a span of body data, de-chunked), `complete` (the message ended;
//    trailers() holds the trailer fields), `need_more`, `upgrade` (the bytes from here on belong to
//    another protocol and are left untouched) or `error` (error(), error_offset(), error_reason()).
//  * The head (and a trailer section) must be contiguous: while it is incomplete the step consumes
//    nothing of it and the caller presents it again, longer. Scanning resumes where it stopped, so
//    feeding one byte at a time stays linear. Its size is bounded by max_header_size.
//  * Views stay valid as long as the caller keeps those bytes where they are.
//  * No allocation in steady state: internal vectors keep their capacity across messages.
#pragma once

#include <corohttp/proto/ascii.hpp>
#include <corohttp/proto/body_framing.hpp>
#include <corohttp/proto/error.hpp>
#include <corohttp/proto/headers.hpp>
#include <corohttp/proto/methods.hpp>
#include <corohttp/proto/scan.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

namespace corohttp {

enum class message_type : std::uint8_t { request, response };

/// llhttp's lenient flags, for what Node's `insecureHTTPParser` relaxes. All off by default.
enum lenient_flags : std::uint16_t {
  lenient_none = 0,
  lenient_headers = 1 << 0,               ///< invalid bytes in header values
  lenient_chunked_length = 1 << 1,        ///< Content-Length together with Transfer-Encoding
  lenient_keep_alive = 1 << 2,            ///< data after a message that closes the connection
  lenient_transfer_encoding = 1 << 3,     ///< a request Transfer-Encoding not ending in chunked
  lenient_version = 1 << 4,               ///< any single-digit HTTP version
  lenient_data_after_close = 1 << 5,      ///< same relaxation as keep_alive, llhttp's newer name
  lenient_optional_cr_before_lf = 1 << 6, ///< bare LF as a line end
  lenient_spaces_after_chunk_size = 1 << 7,
  lenient_optional_crlf_after_chunk = 1 << 8,
  lenient_all = 0x1ff,
};

struct parser_options {
  /// Bytes of start line + headers (and separately of a trailer section). Node: 16 KiB; → 431.
  std::size_t max_header_size = 16 * 1024;
  /// Fields reported per head; further fields are still checked (and still frame the message) but
  /// not reported, as Node's `maxHeadersCount` truncates. 0 = no limit.
  std::size_t max_headers_count = 2000;
  /// Bytes of chunk extensions per chunk (Node: 16 KiB; → 413).
  std::size_t max_chunk_extensions_size = 16 * 1024;
  std::uint16_t lenient = lenient_none;
};

/// The start line and headers of one message, as views into the caller's bytes.
struct message_head {
  corohttp::method method = method::unknown;  ///< requests
  std::string_view method_text;               ///< requests: the method as sent
  std::string_view target;                    ///< requests: the request-target (Node's `url`)
  int status = 0;                             ///< responses
  std::string_view reason;                    ///< responses: the reason phrase ("" when absent)
  int version_major = 1;
  int version_minor = 1;
  std::span<const header_field> headers;      ///< in arrival order, values trimmed of OWS
  body_framing framing = body_framing::none;
  std::uint64_t content_length = 0;           ///< with framing == length
  bool has_content_length = false;
  bool has_transfer_encoding = false;
  bool keep_alive = true;                     ///< llhttp_should_keep_alive() for this message
  bool upgrade = false;                       ///< the connection changes protocol after this message
  bool expect_continue = false;               ///< `Expect: 100-continue`
  bool connection_close = false;              ///< `Connection: close` token
  bool connection_keep_alive = false;         ///< `Connection: keep-alive` token
  bool connection_upgrade = false;            ///< `Connection: upgrade` token
  bool has_upgrade_header = false;
};

class parser {
 public:
  enum class event : std::uint8_t { need_more, head, body, complete, upgrade, error };
  struct step {
    event what = event::need_more;
    std::size_t consumed = 0;  ///< bytes of this call's input the caller may now drop
    std::string_view body;     ///< with event::body
  };

  explicit parser(message_type type, parser_options options = {}) : type_(type), opt_(options) {
    reset();
  }

  message_type type() const noexcept { return type_; }
  const parser_options& options() const noexcept { return opt_; }
  parser_options& options() noexcept { return opt_; }

  /// Back to the start of a connection.
  void reset() noexcept {
    state_ = state::start;
    ec_ = {};
    reason_ = {};
    error_offset_ = 0;
    skip_body_ = false;
    connect_response_ = false;
    messages_ = 0;
    new_message();
  }

  /// After a head with `upgrade` set: nobody takes the connection over (a server without an upgrade
  /// handler, as modern Node), so the message is an ordinary one and parsing goes on after it.
  void decline_upgrade() noexcept { head_.upgrade = false; }

  /// Responses only: the next final response answers a HEAD request (no body whatever its headers
  /// say) or a CONNECT (a 2xx is the start of a tunnel). Informational responses before it keep
  /// the setting.
  void expect_response_to(corohttp::method m) noexcept {
    skip_body_ = m == method::head;
    connect_response_ = m == method::connect;
  }

  step parse(std::string_view data) noexcept {
    // The complete step of a message without a body (most requests) is a few instructions here,
    // without the whole step machinery.
    if (state_ == state::body_length && remaining_ == 0) return finish_message(0);
    return parse_step(data);
  }

  /// The peer closed the connection. Completes a body read until EOF; an error mid-message.
  step finish() noexcept;

  const message_head& head() const noexcept { return head_; }
  std::span<const header_field> trailers() const noexcept { return trailer_views_.span(); }
  /// Messages completed on this connection so far.
  std::uint64_t messages() const noexcept { return messages_; }
  /// True between a head and the end of its message.
  bool in_body() const noexcept { return state_ >= state::body_length && state_ <= state::trailers; }
  /// True when no message has started since the last one completed.
  bool between_messages() const noexcept { return state_ == state::start && !started_; }

  boost::system::error_code error() const noexcept { return ec_; }
  /// llhttp's more specific reason, e.g. "Invalid header value char".
  std::string_view error_reason() const noexcept { return reason_; }
  /// Offset of the offending byte in the input of the call that failed.
  std::size_t error_offset() const noexcept { return error_offset_; }

 private:
  enum class state : std::uint8_t {
    start,          // before a message: skipping empty lines
    head,           // in the start line or headers
    body_length,
    body_eof,
    chunk_size,
    chunk_ext,
    chunk_size_lf,
    chunk_data,
    chunk_data_cr,
    chunk_data_lf,
    trailers,
    closed,         // a message that closes the connection ended: only EOF may follow
    upgraded,
    failed,
  };
  // Where the resumable line scanner stands inside the head or trailer section.
  enum class line : std::uint8_t {
    method, target, req_version, resp_version, status, reason, start_cr,
    field_start, name, ows, value, value_cr, end_cr,
  };
  enum class ext : std::uint8_t { before_name, name, before_value, value, quoted, quoted_escape, after_quoted };

  // Views of one head's (or trailer section's) fields. The slots only grow, and `used` says how many
  // hold this message's fields: adding one is a store, with no construction and no call.
  struct view_list {
    std::vector<header_field> slots;
    std::size_t used = 0;
    void clear() noexcept { used = 0; }
    std::size_t size() const noexcept { return used; }
    void push_back(header_field f) noexcept {
      if (used == slots.size()) [[unlikely]] grow();
      slots[used++] = f;
    }
    [[gnu::noinline]] void grow() noexcept { slots.resize(slots.empty() ? 16 : slots.size() * 2); }
    std::span<const header_field> span() const noexcept { return {slots.data(), used}; }
  };

  struct span_off {
    std::uint32_t off = 0, len = 0;
  };
  struct field_off {
    span_off name, value;
  };

  void new_message() noexcept {
    // Copied from a constant: `head_ = message_head{}` builds a temporary with wide stores and
    // reads it back at once with overlapping loads, a store-forwarding stall on every message.
    static constexpr message_head fresh{};
    head_ = fresh;
    fields_.clear();
    field_views_.clear();
    trailer_views_.clear();
    line_ = type_ == message_type::request ? line::method : line::resp_version;
    pos_ = 0;
    mark_ = 0;
    name_ = {};
    value_end_ = 0;
    version_len_ = 0;
    status_digits_ = 0;
    started_ = false;
    seen_field_ = false;
    framing_fields_ = false;
    te_chunked_last_ = false;
    te_invalid_ = false;
    reset_pending_ = false;
    remaining_ = 0;
    ext_size_ = 0;
  }

  step fail(corohttp::error e, std::string_view reason, std::size_t offset) noexcept {
    state_ = state::failed;
    ec_ = e;
    reason_ = reason;
    error_offset_ = offset;
    return {event::error, 0, {}};
  }

  bool lenient(std::uint16_t f) const noexcept { return (opt_.lenient & f) != 0; }

  // fast_head() gave up: back to a fresh head, for the resumable path to parse from its start.
  void restart_head() noexcept {
    new_message();
    started_ = true;
    ec_ = {};
    reason_ = {};
    error_offset_ = 0;
  }

  // --- head -------------------------------------------------------------------------------------
  enum class scan_result : std::uint8_t { more, done, failed };
  scan_result scan_lines(const char* base, std::size_t size, std::size_t origin) noexcept;
  bool end_start_line(const char* base, std::size_t origin) noexcept;
  bool end_field(const char* base, std::size_t origin, std::size_t at) noexcept;
  bool frame_field(std::string_view name, std::string_view value, std::size_t at) noexcept;
  bool frame_field_named(std::string_view name, std::string_view value, std::size_t at) noexcept;
  bool end_head(const char* base, std::size_t origin) noexcept;
  bool decide_head(std::size_t origin) noexcept;
  bool fast_head(const char* base, std::size_t size) noexcept;
  template <bool frame>
  [[gnu::always_inline]] inline std::size_t fast_fields(const char* base, std::size_t i, std::size_t size,
                                                        view_list& out) noexcept;
  bool check_version(const char* v, std::size_t n) noexcept;
  bool check_target(std::string_view t) const noexcept;
  void set_error(corohttp::error e, std::string_view reason, std::size_t offset) noexcept {
    ec_ = e;
    reason_ = reason;
    error_offset_ = offset;
  }
  step finish_message(std::size_t consumed) noexcept;
  step enter_body(std::size_t head_end) noexcept;
  step parse_step(std::string_view data) noexcept;

  message_type type_;
  parser_options opt_;
  state state_ = state::start;
  line line_ = line::method;
  bool skip_body_ = false;
  bool connect_response_ = false;
  bool started_ = false;
  bool in_trailers_ = false;
  bool seen_field_ = false;       // a field line ended in this head or trailer section
  bool framing_fields_ = false;   // a field that may frame or steer the message was seen
  bool te_chunked_last_ = false;  // the last transfer coding so far is `chunked`
  bool te_invalid_ = false;       // a coding after `chunked`, or an empty Transfer-Encoding
  bool reset_pending_ = false;    // a message completed; the next parse() starts afresh
  std::uint8_t version_len_ = 0;
  std::uint8_t status_digits_ = 0;
  ext ext_ = ext::before_name;

  std::uint32_t pos_ = 0;        // next byte to scan, relative to the head (or trailer) start
  std::uint32_t mark_ = 0;       // start of the current token
  span_off method_{}, target_{}, reason_off_{};
  span_off name_{};
  std::uint32_t value_end_ = 0;  // end of the value without trailing OWS
  std::uint64_t remaining_ = 0;  // body bytes left (length) or chunk bytes left
  std::size_t ext_size_ = 0;
  std::uint64_t messages_ = 0;

  message_head head_;
  std::vector<field_off> fields_;
  view_list field_views_;
  view_list trailer_views_;

  boost::system::error_code ec_;
  std::string_view reason_;
  std::size_t error_offset_ = 0;
};

// ------------------------------------------------------------------------------------------------

inline bool parser::check_version(const char* v, std::size_t n) noexcept {
  // "HTTP/" DIGIT "." DIGIT, then a version llhttp knows: 0.9, 1.0, 1.1, 2.0.
  if (n != 8 || std::memcmp(v, "HTTP/", 5) != 0 || v[6] != '.') {
    set_error(corohttp::error::invalid_version, "Invalid HTTP version", 0);
    return false;
  }
  if (v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9') {
    set_error(corohttp::error::invalid_version, "Invalid HTTP version", 0);
    return false;
  }
  int major = v[5] - '0', minor = v[7] - '0';
  bool known = (major == 1 && minor <= 1) || (major == 0 && minor == 9) || (major == 2 && minor == 0);
  if (!known && !lenient(lenient_version)) {
    set_error(corohttp::error::invalid_version, "Invalid HTTP version", 0);
    return false;
  }
  head_.version_major = major;
  head_.version_minor = minor;
  return true;
}

inline bool parser::check_target(std::string_view t) const noexcept {
  if (t.empty()) return false;
  if (head_.method == method::connect) {
    // authority-form: host ":" port (RFC 9112 §3.2.3).
    auto colon = t.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == t.size()) return false;
    for (char c : t.substr(colon + 1))
      if (c < '0' || c > '9') return false;
    for (char c : t.substr(0, colon))
      if (c == '/' || c == '?' || c == '#' || c == '@') return false;
    return true;
  }
  if (t.front() == '/' || t == "*") return true;
  // absolute-form: scheme ":" "//" ... (RFC 3986 §3.1)
  std::size_t i = 0;
  if (!((t[0] >= 'a' && t[0] <= 'z') || (t[0] >= 'A' && t[0] <= 'Z'))) return false;
  while (i < t.size() && t[i] != ':') {
    char c = t[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
              c == '-' || c == '.';
    if (!ok) return false;
    ++i;
  }
  return t.substr(i).starts_with("://") && t.size() > i + 3;
}

inline bool parser::end_start_line(const char* base, std::size_t origin) noexcept {
  // Views are made again in end_head: the caller may present the head in another buffer by then.
  if (type_ == message_type::request) {
    head_.method = parse_method(std::string_view(base + method_.off, method_.len));
    if (head_.method == method::unknown) {
      set_error(corohttp::error::invalid_method, "Invalid method encountered", origin + method_.off);
      return false;
    }
    if (!check_target(std::string_view(base + target_.off, target_.len))) {
      set_error(corohttp::error::invalid_url, "Invalid URL", origin + target_.off);
      return false;
    }
  }
  return true;
}

namespace detail {
// Splits a comma list and calls f(token) for each element, trimmed of OWS (empty ones included).
// Lists here are a few bytes long: a plain loop beats a memchr call per element.
template <class F>
inline void for_each_list_item(std::string_view v, F&& f) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] != ',') continue;
    f(ascii::trim_ows(v.substr(start, i - start)));
    start = i + 1;
  }
  f(ascii::trim_ows(v.substr(start)));
}

inline constexpr ascii::folded_literal lit_content_length{"content-length"}, lit_transfer_encoding{"transfer-encoding"},
    lit_connection{"connection"}, lit_proxy_connection{"proxy-connection"}, lit_upgrade{"upgrade"},
    lit_expect{"expect"}, lit_100_continue{"100-continue"}, lit_chunked{"chunked"}, lit_close{"close"},
    lit_keep_alive{"keep-alive"};
}  // namespace detail

inline bool parser::end_field(const char* base, std::size_t origin, std::size_t at) noexcept {
  std::string_view name(base + name_.off, name_.len);
  std::string_view value(base + mark_, value_end_ - mark_);
  if (opt_.max_headers_count == 0 || fields_.size() < opt_.max_headers_count)
    fields_.push_back({name_, {mark_, static_cast<std::uint32_t>(value.size())}});
  if (in_trailers_) return true;  // trailers never frame the message
  return frame_field(name, value, origin + at);
}

// `at` is the error offset: the end of the field line in this call's input.
inline bool parser::frame_field(std::string_view name, std::string_view value, std::size_t at) noexcept {
  // Fields that frame the message or steer the connection. Most fields are none of them: their
  // length and first letter tell, before any comparison.
  static constexpr char first_letter[18] = {0, 0, 0, 0, 0, 0, 'e', 'u', 0, 0, 'c', 0, 0, 0, 'c', 0, 'p', 't'};
  if (name.size() >= sizeof first_letter || (name[0] | 0x20) != first_letter[name.size()]) [[likely]] return true;
  return frame_field_named(name, value, at);
}

inline bool parser::frame_field_named(std::string_view name, std::string_view value, std::size_t at) noexcept {
  using namespace detail;
  framing_fields_ = true;  // maybe one of them: decide_head takes the full way
  switch (name.size()) {
    case 14:
      if (lit_content_length.matches_n(name.data())) {
        if (head_.has_content_length) {
          set_error(corohttp::error::invalid_content_length, "Duplicate Content-Length", at);
          return false;
        }
        if (value.empty()) {
          set_error(corohttp::error::invalid_content_length, "Empty Content-Length", at);
          return false;
        }
        std::uint64_t n = 0;
        for (char c : value) {
          if (c < '0' || c > '9') {
            set_error(corohttp::error::invalid_content_length, "Invalid character in Content-Length", at);
            return false;
          }
          auto d = static_cast<std::uint64_t>(c - '0');
          if (n > (std::numeric_limits<std::uint64_t>::max() - d) / 10) {
            set_error(corohttp::error::invalid_content_length, "Content-Length overflow", at);
            return false;
          }
          n = n * 10 + d;
        }
        head_.has_content_length = true;
        head_.content_length = n;
      }
      break;
    case 17:
      if (lit_transfer_encoding.matches_n(name.data())) {
        head_.has_transfer_encoding = true;
        auto coding = [&](std::string_view c) {
          if (c.empty()) return;  // empty list elements are allowed (RFC 9110 §5.6.1)
          if (te_chunked_last_) te_invalid_ = true;  // nothing may follow chunked, not even chunked
          te_chunked_last_ = lit_chunked.matches(c);
        };
        if (value.empty()) te_invalid_ = true;
        if (lit_chunked.matches(value)) coding(value);  // the usual one-element list
        else for_each_list_item(value, coding);
      }
      break;
    case 16:
      if (!lit_proxy_connection.matches_n(name.data())) break;
      [[fallthrough]];  // llhttp reads the non-standard Proxy-Connection as Connection
    case 10:
      if (name.size() == 16 || lit_connection.matches_n(name.data())) {
        auto token = [&](std::string_view t) {
          if (lit_keep_alive.matches(t)) head_.connection_keep_alive = true;
          else if (lit_close.matches(t)) head_.connection_close = true;
          else if (lit_upgrade.matches(t)) head_.connection_upgrade = true;
        };
        // The usual values are one token: the whole (trimmed) value is the list's only element.
        if (lit_keep_alive.matches(value)) head_.connection_keep_alive = true;
        else if (lit_close.matches(value)) head_.connection_close = true;
        else for_each_list_item(value, token);
      }
      break;
    case 7:
      if (lit_upgrade.matches_n(name.data())) head_.has_upgrade_header = true;
      break;
    case 6:
      if (lit_expect.matches_n(name.data()) && lit_100_continue.matches(value)) head_.expect_continue = true;
      break;
    default: break;
  }
  return true;
}

inline bool parser::end_head(const char* base, std::size_t origin) noexcept {
  if (type_ == message_type::request) {
    head_.method_text = std::string_view(base + method_.off, method_.len);
    head_.target = std::string_view(base + target_.off, target_.len);
  } else {
    head_.reason = std::string_view(base + reason_off_.off, reason_off_.len);
  }
  field_views_.clear();
  for (const field_off& f : fields_)
    field_views_.push_back({std::string_view(base + f.name.off, f.name.len),
                            std::string_view(base + f.value.off, f.value.len)});
  head_.headers = field_views_.span();
  return decide_head(origin);
}

// Framing, upgrade and keep-alive from the head's fields; pos_ is the head's end.
inline bool parser::decide_head(std::size_t origin) noexcept {
  const bool request = type_ == message_type::request;
  // The common request: no field that frames or steers it, not CONNECT. No body, no upgrade, and
  // keep-alive by version alone (the general chain below gives the same).
  if (request && !framing_fields_ && head_.method != method::connect) {
    head_.upgrade = false;
    head_.framing = body_framing::none;
    head_.keep_alive = head_.version_major >= 2 || (head_.version_major > 0 && head_.version_minor > 0);
    return true;
  }
  if (head_.has_transfer_encoding && head_.has_content_length && !lenient(lenient_chunked_length)) {
    set_error(corohttp::error::unexpected_content_length, "Content-Length can't be present with Transfer-Encoding",
              origin + pos_);
    return false;
  }
  if (head_.has_transfer_encoding && request && (!te_chunked_last_ || te_invalid_) &&
      !lenient(lenient_transfer_encoding)) {
    set_error(corohttp::error::invalid_transfer_encoding, "Request has invalid `Transfer-Encoding`", origin + pos_);
    return false;
  }

  // Upgrade: CONNECT, or Upgrade + Connection: upgrade (requests); 101 or a 2xx to CONNECT (responses).
  if (request) {
    head_.upgrade = head_.method == method::connect || (head_.has_upgrade_header && head_.connection_upgrade);
  } else {
    head_.upgrade = (head_.status == 101 && head_.has_upgrade_header) ||
                    (connect_response_ && head_.status >= 200 && head_.status < 300);
  }

  // Framing (RFC 9112 §6.3).
  bool no_body = false;
  if (!request) {
    no_body = skip_body_ || (head_.status >= 100 && head_.status < 200) || head_.status == 204 ||
              head_.status == 304 || (connect_response_ && head_.status >= 200 && head_.status < 300);
  } else if (head_.method == method::connect) {
    no_body = true;
  }
  if (no_body) {
    head_.framing = body_framing::none;
  } else if (head_.has_transfer_encoding) {
    // A response whose codings do not end in one chunked is read until the connection closes.
    head_.framing = te_chunked_last_ && !te_invalid_ ? body_framing::chunked : body_framing::eof;
  } else if (head_.has_content_length) {
    head_.framing = head_.content_length ? body_framing::length : body_framing::none;
  } else {
    head_.framing = request ? body_framing::none : body_framing::eof;
  }

  // Keep-alive (llhttp_should_keep_alive).
  bool http11 = head_.version_major > 0 && head_.version_minor > 0;
  if (head_.version_major >= 2) http11 = true;
  head_.keep_alive = http11 ? !head_.connection_close : head_.connection_keep_alive;
  if (head_.framing == body_framing::eof && !request) head_.keep_alive = false;
  return true;
}

// Field lines from i up to and including the blank line (name ":" OWS value OWS CRLF each), when they
// are all here and well-formed: returns the end of the blank line, or 0 to leave them to scan_lines.
template <bool frame>
inline std::size_t parser::fast_fields(const char* base, std::size_t i, std::size_t size, view_list& out) noexcept {
  for (;;) {
    if (i == size) return 0;
    if (base[i] == '\r') {
      if (size - i < 2 || base[i + 1] != '\n') return 0;
      return i + 2;
    }
    const std::size_t j = scan::token(base, i, size);
    if (j == i || j == size || base[j] != ':') return 0;
    std::size_t v = j + 1;
    while (v < size && (base[v] == ' ' || base[v] == '\t')) ++v;
    const std::size_t e = scan::value(base, v, size);
    if (size - e < 2 || base[e] != '\r' || base[e + 1] != '\n') return 0;
    std::size_t ve = e;
    while (ve > v && (base[ve - 1] == ' ' || base[ve - 1] == '\t')) --ve;
    const std::string_view name(base + i, j - i), value(base + v, ve - v);
    if (opt_.max_headers_count == 0 || out.size() < opt_.max_headers_count) out.push_back({name, value});
    if constexpr (frame) {
      if (!frame_field(name, value, e)) return 0;
    }
    i = e + 2;
  }
}

// A head that is wholly in [base, base + size), parsed in one straight pass that writes the views
// directly. Only the common shapes are taken (CRLF line ends, HTTP/1.0 or 1.1, a known method, a
// valid target, well-formed fields): on anything else, or when the blank line is not here, it returns
// false and the caller restarts the head on the resumable path, which decides (and reports errors)
// alone. So this path may only accept what that one accepts, with the same result.
inline bool parser::fast_head(const char* base, std::size_t size) noexcept {
  std::size_t i;
  auto version = [&](std::size_t at) {  // at + 8 <= size
    static constexpr std::uint64_t http11 = ascii::pack8("HTTP/1.1"), http10 = ascii::pack8("HTTP/1.0");
    const std::uint64_t w = ascii::load8(base + at);
    if (w != http11 && w != http10) return false;
    head_.version_major = 1;
    head_.version_minor = base[at + 7] - '0';
    return true;
  };
  if (type_ == message_type::request) {
    // method SP target SP "HTTP/1.x" CRLF
    std::size_t m;
    if (size >= 4 && std::memcmp(base, "GET ", 4) == 0) {  // most requests: no scan, no lookup
      m = 3;
      head_.method = method::get;
    } else {
      m = scan::token(base, 0, size);
      if (m == size || base[m] != ' ') return false;
      head_.method = parse_method({base, m});
      if (head_.method == method::unknown) return false;
    }
    const std::size_t t = m + 1;
    i = scan::target(base, t, size);
    if (size - i < 11 || i == t || base[i] != ' ') return false;
    const std::string_view target(base + t, i - t);
    // An origin-form target ("/...") of any method but CONNECT needs no further check.
    const bool target_ok = (base[t] == '/' && head_.method != method::connect) || check_target(target);
    if (!target_ok || !version(i + 1) || base[i + 9] != '\r' || base[i + 10] != '\n') return false;
    head_.method_text = {base, m};
    head_.target = target;
    i += 11;
  } else {
    // "HTTP/1.x" SP 3DIGIT [ SP reason ] CRLF
    if (size < 14 || !version(0) || base[8] != ' ') return false;
    const unsigned d0 = static_cast<unsigned char>(base[9] - '0'), d1 = static_cast<unsigned char>(base[10] - '0'),
                   d2 = static_cast<unsigned char>(base[11] - '0');
    if (d0 > 9 || d1 > 9 || d2 > 9) return false;
    head_.status = static_cast<int>(d0 * 100 + d1 * 10 + d2);
    i = 12;
    if (base[i] == ' ') {
      const std::size_t r = i + 1;
      i = scan::value(base, r, size);
      head_.reason = {base + r, i - r};
    } else {
      head_.reason = {base + i, 0};
    }
    if (size - i < 2 || base[i] != '\r' || base[i + 1] != '\n') return false;
    i += 2;
  }
  const std::size_t end = fast_fields<true>(base, i, size, field_views_);
  if (end == 0) return false;
  pos_ = static_cast<std::uint32_t>(end);
  head_.headers = field_views_.span();
  return true;
}

// Scans start-line and field lines from pos_ over [base, base + size); `origin` is where base sits
// in this call's input (for error offsets).
inline parser::scan_result parser::scan_lines(const char* base, std::size_t size, std::size_t origin) noexcept {
  const bool lf_only_ok = lenient(lenient_optional_cr_before_lf);
  // Whole lines that are already here take a straight path below; the states are for the rest.
  const bool fast_lines = !lf_only_ok && !lenient(lenient_headers);
  std::size_t i = pos_;
  auto bad = [&](corohttp::error e, std::string_view why) {
    set_error(e, why, origin + i);
    return scan_result::failed;
  };
  auto digit = [](char d) { return static_cast<unsigned char>(d - '0') < 10; };
  while (i < size) {
    char c = base[i];
    switch (line_) {
      case line::method: {
        std::size_t j = scan::token(base, i, size);
        if (j == size) { i = j; continue; }
        if (base[j] != ' ') { i = j; return bad(corohttp::error::invalid_method, "Invalid method encountered"); }
        if (j == 0) { i = j; return bad(corohttp::error::invalid_method, "Invalid method encountered"); }
        method_ = {0, static_cast<std::uint32_t>(j)};
        if (std::string_view(base, j) == "PRI") { i = 0; return bad(corohttp::error::paused_h2_upgrade, "Pause on PRI/Upgrade"); }
        i = j + 1;
        mark_ = static_cast<std::uint32_t>(i);
        line_ = line::target;
        [[fallthrough]];  // scan::target copes with i == size
      }
      case line::target: {
        std::size_t j = scan::target(base, i, size);
        if (j == size) { i = j; continue; }
        if (j == mark_) { i = j; return bad(corohttp::error::invalid_url, "Unexpected start char in url"); }
        if (base[j] == '\r' || base[j] == '\n') {
          // "GET /" CRLF: an HTTP/0.9 request line, as llhttp reads it.
          target_ = {mark_, static_cast<std::uint32_t>(j - mark_)};
          head_.version_major = 0;
          head_.version_minor = 9;
          i = j;
          line_ = line::start_cr;
          continue;
        }
        if (base[j] != ' ') { i = j; return bad(corohttp::error::invalid_url, "Invalid characters in url"); }
        target_ = {mark_, static_cast<std::uint32_t>(j - mark_)};
        i = j + 1;
        mark_ = static_cast<std::uint32_t>(i);
        line_ = line::req_version;
        if (i == size) continue;
        c = base[i];
        [[fallthrough]];
      }
      case line::req_version:
      case line::resp_version: {
        // Exactly "HTTP/" DIGIT "." DIGIT, checked byte by byte so a bad one fails early.
        static constexpr char pattern[] = "HTTP/9.9";
        std::size_t k = i - mark_;
        // Fast path: all of it and the byte after it are here, and well-formed.
        if (k == 0 && size - i > 8 && std::memcmp(base + i, "HTTP/", 5) == 0 && digit(base[i + 5]) &&
            base[i + 6] == '.' && digit(base[i + 7]) &&
            (line_ == line::req_version ? (base[i + 8] == '\r' || base[i + 8] == '\n') : base[i + 8] == ' ')) {
          if (!check_version(base + i, 8)) {
            error_offset_ = origin + mark_;
            return scan_result::failed;
          }
          if (line_ == line::req_version) {
            i += 8;
            line_ = line::start_cr;
            c = base[i];
            goto start_line_end;
          }
          i += 9;
          mark_ = static_cast<std::uint32_t>(i);
          line_ = line::status;
          continue;
        }
        bool end = line_ == line::req_version ? (c == '\r' || c == '\n') : c == ' ';
        if (k == 8 && end) {
          if (line_ == line::req_version) {
            line_ = line::start_cr;
            continue;  // the CR or LF is handled there
          }
          ++i;
          mark_ = static_cast<std::uint32_t>(i);
          line_ = line::status;
          continue;
        }
        bool ok = k < 8 && (pattern[k] == '9' ? (c >= '0' && c <= '9') : c == pattern[k]);
        if (!ok) {
          if (k < 5) return bad(corohttp::error::invalid_constant, "Expected HTTP/");
          return bad(corohttp::error::invalid_version, "Invalid HTTP version");
        }
        ++i;
        if (k == 7 && !check_version(base + mark_, 8)) {  // refuse an unknown version before its line ends
          error_offset_ = origin + mark_;
          return scan_result::failed;
        }
        continue;
      }
      case line::status: {
        if (status_digits_ == 0 && size - i > 3 && digit(c) && digit(base[i + 1]) && digit(base[i + 2])) {
          head_.status = (c - '0') * 100 + (base[i + 1] - '0') * 10 + (base[i + 2] - '0');
          status_digits_ = 3;
          i += 3;
          continue;
        }
        if (status_digits_ < 3) {
          if (c < '0' || c > '9') return bad(corohttp::error::invalid_status, "Invalid status code");
          head_.status = head_.status * 10 + (c - '0');
          ++status_digits_;
          ++i;
          continue;
        }
        if (c == ' ') {
          ++i;
          mark_ = static_cast<std::uint32_t>(i);
          line_ = line::reason;
          continue;
        }
        if (c == '\r' || c == '\n') {
          reason_off_ = {static_cast<std::uint32_t>(i), 0};
          line_ = line::start_cr;
          continue;
        }
        return bad(corohttp::error::invalid_status, "Invalid response status");
      }
      case line::reason: {
        std::size_t j = scan::value(base, i, size);
        if (j == size) { i = j; continue; }
        if (base[j] != '\r' && base[j] != '\n') { i = j; return bad(corohttp::error::invalid_status, "Invalid response status"); }
        reason_off_ = {mark_, static_cast<std::uint32_t>(j - mark_)};
        i = j;
        line_ = line::start_cr;
        continue;
      }
      case line::start_cr: {
      start_line_end:
        // At the CR (or LF) that ends the start line.
        if (c == '\r') {
          if (i + 1 >= size) { pos_ = static_cast<std::uint32_t>(i); return scan_result::more; }
          if (base[i + 1] != '\n') { ++i; return bad(corohttp::error::lf_expected, "Missing expected LF after start line"); }
          i += 2;
        } else if (c == '\n' && lf_only_ok) {
          i += 1;
        } else {
          return bad(corohttp::error::cr_expected, "Missing expected CR after start line");
        }
        if (!end_start_line(base, origin)) { state_ = state::failed; return scan_result::failed; }
        line_ = line::field_start;
        if (i == size) continue;
        c = base[i];
        [[fallthrough]];
      }
      case line::field_start: {
        if (fast_lines && ascii::is_token_char(c)) {
          // Whole field lines (name ":" OWS value CRLF) while they are all here. Anything else (the
          // end of the data, the end of the section, a bad byte) goes the stateful way below, from
          // the start of its line, which also reports the errors.
          do {
            std::size_t j = scan::token(base, i, size);
            if (j == size || base[j] != ':') break;
            std::size_t v = j + 1;
            while (v < size && (base[v] == ' ' || base[v] == '\t')) ++v;
            std::size_t e = scan::value(base, v, size);
            if (size - e < 2 || base[e] != '\r' || base[e + 1] != '\n') break;
            std::size_t ve = e;
            while (ve > v && (base[ve - 1] == ' ' || base[ve - 1] == '\t')) --ve;
            name_ = {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j - i)};
            mark_ = static_cast<std::uint32_t>(v);
            value_end_ = static_cast<std::uint32_t>(ve);
            if (!end_field(base, origin, e)) { state_ = state::failed; return scan_result::failed; }
            seen_field_ = true;
            i = e + 2;
          } while (i < size && ascii::is_token_char(base[i]));
          if (i == size) continue;
          c = base[i];
        }
        if (c == '\r') {
          if (i + 1 >= size) { pos_ = static_cast<std::uint32_t>(i); return scan_result::more; }
          if (base[i + 1] != '\n') { ++i; return bad(corohttp::error::lf_expected, "Missing expected LF after headers"); }
          pos_ = static_cast<std::uint32_t>(i + 2);
          return scan_result::done;
        }
        if (c == '\n') {
          if (!lf_only_ok) return bad(corohttp::error::cr_expected, "Missing expected CR after headers");
          pos_ = static_cast<std::uint32_t>(i + 1);
          return scan_result::done;
        }
        if (c == ' ' || c == '\t') {
          // obs-fold (RFC 9112 §5.2) after a field; whitespace before the first field otherwise.
          if (seen_field_) return bad(corohttp::error::invalid_header_token, "Unexpected whitespace after header value");
          return bad(corohttp::error::unexpected_space, "Unexpected whitespace before the first header");
        }
        mark_ = static_cast<std::uint32_t>(i);
        line_ = line::name;
        continue;
      }
      case line::name: {
        std::size_t j = scan::token(base, i, size);
        if (j == size) { i = j; continue; }
        if (base[j] != ':') {
          i = j;
          if (base[j] == ' ' || base[j] == '\t')
            return bad(corohttp::error::invalid_header_token, "Invalid header field char");
          return bad(corohttp::error::invalid_header_token, "Invalid header token");
        }
        if (j == mark_) { i = j; return bad(corohttp::error::invalid_header_token, "Empty header name"); }
        name_ = {mark_, static_cast<std::uint32_t>(j - mark_)};
        i = j + 1;
        line_ = line::ows;
        continue;
      }
      case line::ows: {
        if (c == ' ' || c == '\t') { ++i; continue; }
        mark_ = static_cast<std::uint32_t>(i);
        value_end_ = mark_;
        line_ = line::value;
        continue;
      }
      case line::value: {
        std::size_t j = lenient(lenient_headers) ? scan::value_lenient(base, i, size) : scan::value(base, i, size);
        // Trailing OWS is not part of the value; remember where the last other byte was.
        for (std::size_t k = j; k > i; --k)
          if (base[k - 1] != ' ' && base[k - 1] != '\t') { value_end_ = static_cast<std::uint32_t>(k); break; }
        if (j == size) { i = j; continue; }
        if (base[j] != '\r' && base[j] != '\n') { i = j; return bad(corohttp::error::invalid_header_token, "Invalid header value char"); }
        i = j;
        line_ = line::value_cr;
        continue;
      }
      case line::value_cr: {
        std::size_t at = i;
        if (c == '\r') {
          if (i + 1 >= size) { pos_ = static_cast<std::uint32_t>(i); return scan_result::more; }
          if (base[i + 1] != '\n') { ++i; return bad(corohttp::error::lf_expected, "Missing expected LF after header value"); }
          i += 2;
        } else if (lf_only_ok) {
          i += 1;
        } else {
          return bad(corohttp::error::cr_expected, "Missing expected CR after header value");
        }
        if (!end_field(base, origin, at)) { state_ = state::failed; return scan_result::failed; }
        seen_field_ = true;
        line_ = line::field_start;
        continue;
      }
      default: return bad(corohttp::error::ok, "internal");
    }
  }
  pos_ = static_cast<std::uint32_t>(i);
  return scan_result::more;
}

inline parser::step parser::finish_message(std::size_t consumed) noexcept {
  ++messages_;
  const bool upgrade = head_.upgrade;
  const bool keep_alive = head_.keep_alive;
  const bool informational = type_ == message_type::response && head_.status >= 100 && head_.status < 200 && !upgrade;
  if (!informational) {
    skip_body_ = false;
    connect_response_ = false;
  }
  // The head's views stay readable through the complete step; the per-message state resets on the
  // next parse().
  if (upgrade) state_ = state::upgraded;
  else if (!keep_alive && !informational && !lenient(lenient_keep_alive)) state_ = state::closed;
  else state_ = state::start;
  started_ = false;
  reset_pending_ = true;
  return {event::complete, consumed, {}};
}

inline parser::step parser::enter_body(std::size_t head_end) noexcept {
  switch (head_.framing) {
    case body_framing::none: state_ = state::body_length; remaining_ = 0; break;
    case body_framing::length: state_ = state::body_length; remaining_ = head_.content_length; break;
    case body_framing::chunked: state_ = state::chunk_size; remaining_ = 0; ext_size_ = 0; break;
    case body_framing::eof: state_ = state::body_eof; break;
  }
  return {event::head, head_end, {}};
}

inline parser::step parser::parse_step(std::string_view data) noexcept {
  const char* p = data.data();
  const std::size_t n = data.size();
  std::size_t i = 0;

  // A message that starts at the first byte with its whole head here (most requests): the straight
  // pass and the head event, without the general dispatch. Anything else goes the general way.
  bool fast_tried = false;
  if (state_ == state::start && n != 0 && p[0] != '\r' && p[0] != '\n') {
    if (reset_pending_) new_message();
    state_ = state::head;
    in_trailers_ = false;
    started_ = true;
    if (fast_head(p, n > opt_.max_header_size ? opt_.max_header_size + 1 : n) && pos_ <= opt_.max_header_size) {
      if (!decide_head(0)) {
        state_ = state::failed;
        return {event::error, 0, {}};
      }
      return enter_body(pos_);
    }
    restart_head();
    fast_tried = true;
  }

  // Between chunks, the usual case of a chunked body: [CRLF after the last chunk's data,] a size line
  // without extensions and some of the chunk's data, straight to the body step. Anything else
  // (extensions, the last chunk, a split, an error) takes the general way below.
  if (state_ == state::chunk_data_cr || (state_ == state::chunk_size && ext_size_ == 0)) {
    std::size_t k = state_ == state::chunk_data_cr ? 2 : 0;
    if (k == 0 || (n >= 2 && p[0] == '\r' && p[1] == '\n')) {
      const std::size_t digits = k;
      std::uint64_t size = 0;
      for (int d; k < n && k - digits < 16 && (d = scan::hex_digit(p[k])) >= 0; ++k)
        size = (size << 4) | static_cast<std::uint64_t>(d);
      if (k > digits && size != 0 && n - k > 2 && p[k] == '\r' && p[k + 1] == '\n') {
        k += 2;
        const std::size_t take = n - k < size ? n - k : static_cast<std::size_t>(size);
        remaining_ = size - take;
        ext_size_ = 0;
        state_ = remaining_ == 0 ? state::chunk_data_cr : state::chunk_data;
        return {event::body, k + take, data.substr(k, take)};
      }
    }
  }

  switch (state_) {
    case state::failed: return {event::error, 0, {}};
    case state::upgraded: return {event::upgrade, 0, {}};
    case state::closed: {
      // Only empty lines may follow a message that closes the connection.
      std::size_t k = 0;
      while (k < n && (p[k] == '\r' || p[k] == '\n')) ++k;
      if (k == n || lenient(lenient_data_after_close)) return {event::need_more, n, {}};
      return fail(corohttp::error::closed_connection, "Data after `Connection: close`", k);
    }
    default: break;
  }

  for (;;) {
    switch (state_) {
      case state::start: {
        if (reset_pending_) new_message();  // the last message's head was readable until now
        // Empty lines before a message are skipped (RFC 9112 §2.2).
        while (i < n && (p[i] == '\r' || p[i] == '\n')) {
          if (p[i] == '\r') {
            if (i + 1 >= n) return {event::need_more, i, {}};
            if (p[i + 1] != '\n') return fail(corohttp::error::lf_expected, "Missing expected LF", i + 1);
            i += 2;
          } else {
            if (!lenient(lenient_optional_cr_before_lf)) return fail(corohttp::error::cr_expected, "Missing expected CR", i);
            i += 1;
          }
        }
        if (i == n) return {event::need_more, i, {}};
        state_ = state::head;
        in_trailers_ = false;
        started_ = true;
        continue;
      }

      case state::head:
      case state::trailers: {
        const char* base = p + i;
        const std::size_t size = n - i;
        // A new head tries the straight path first, over at most one byte more than a head may
        // have (so an overlong one is the resumable path's to report).
        bool fast = false;
        if (pos_ == 0 && !fast_tried) {
          const std::size_t limit = size > opt_.max_header_size ? opt_.max_header_size + 1 : size;
          if (state_ == state::head) {
            fast = fast_head(base, limit);
            if (!fast) restart_head();
          } else if (const std::size_t end = fast_fields<false>(base, 0, limit, trailer_views_)) {
            pos_ = static_cast<std::uint32_t>(end);
            fast = true;
          } else {
            trailer_views_.clear();
          }
        }
        scan_result r = fast ? scan_result::done : scan_lines(base, size, i);
        if (r == scan_result::failed) {
          state_ = state::failed;
          return {event::error, 0, {}};
        }
        if (r == scan_result::more) {
          if (size > opt_.max_header_size)
            return fail(corohttp::error::header_overflow, "Header overflow", i + opt_.max_header_size);
          return {event::need_more, i, {}};
        }
        if (pos_ > opt_.max_header_size) return fail(corohttp::error::header_overflow, "Header overflow", i + opt_.max_header_size);
        const std::size_t end = i + pos_;
        if (state_ == state::trailers) {
          if (!fast)
            for (const field_off& f : fields_)
              trailer_views_.push_back({std::string_view(base + f.name.off, f.name.len),
                                        std::string_view(base + f.value.off, f.value.len)});
          return finish_message(end);
        }
        if (!(fast ? decide_head(i) : end_head(base, i))) {
          state_ = state::failed;
          return {event::error, 0, {}};
        }
        return enter_body(end);
      }

      case state::body_length: {
        if (remaining_ == 0) return finish_message(i);
        if (i == n) return {event::need_more, i, {}};
        std::size_t take = n - i < remaining_ ? n - i : static_cast<std::size_t>(remaining_);
        remaining_ -= take;
        return {event::body, i + take, data.substr(i, take)};
      }

      case state::body_eof:
        if (i == n) return {event::need_more, i, {}};
        return {event::body, n, data.substr(i)};

      case state::chunk_data: {
        if (i == n) return {event::need_more, i, {}};
        std::size_t take = n - i < remaining_ ? n - i : static_cast<std::size_t>(remaining_);
        remaining_ -= take;
        if (remaining_ == 0) state_ = state::chunk_data_cr;
        return {event::body, i + take, data.substr(i, take)};
      }

      default: break;
    }

    // Straight path: the CRLF after chunk data and a whole "HEX CRLF" size line, when they are here.
    // Anything else (extensions, leniency, errors, the end of the data) goes byte by byte below.
    if (state_ == state::chunk_data_cr && n - i >= 2 && p[i] == '\r' && p[i + 1] == '\n') {
      i += 2;
      state_ = state::chunk_size;
      remaining_ = 0;
      ext_size_ = 0;
    }
    if (state_ == state::chunk_size && ext_size_ == 0) {
      std::size_t k = i;
      std::uint64_t size = 0;
      for (int d; k < n && k - i < 16 && (d = scan::hex_digit(p[k])) >= 0; ++k)
        size = (size << 4) | static_cast<std::uint64_t>(d);
      if (k > i && n - k >= 2 && p[k] == '\r' && p[k + 1] == '\n') {
        remaining_ = size;
        if (size != 0) {
          i = k + 2;
          state_ = state::chunk_data;
          continue;
        }
        i = k + 1;  // the last chunk: its LF and the trailers go the usual way
        state_ = state::chunk_size_lf;
      }
    }

    // Chunk framing, byte by byte: a few bytes per chunk.
    if (i == n) return {event::need_more, i, {}};
    const char c = p[i];
    switch (state_) {
      case state::chunk_size: {
        int d = scan::hex_value(c);
        if (d >= 0) {
          if (remaining_ > (std::numeric_limits<std::uint64_t>::max() >> 4))
            return fail(corohttp::error::invalid_chunk_size, "Chunk size overflow", i);
          remaining_ = (remaining_ << 4) | static_cast<std::uint64_t>(d);
          ++ext_size_;  // counts the size digits until the size ends
          ++i;
          continue;
        }
        if (ext_size_ == 0) return fail(corohttp::error::invalid_chunk_size, "Invalid character in chunk size", i);
        if ((c == ' ' || c == '\t') && lenient(lenient_spaces_after_chunk_size)) { ++i; continue; }
        ext_size_ = 0;
        if (c == ';') { state_ = state::chunk_ext; ext_ = ext::before_name; ++i; continue; }
        if (c == '\r') { state_ = state::chunk_size_lf; ++i; continue; }
        if (c == '\n' && lenient(lenient_optional_cr_before_lf)) { state_ = state::chunk_size_lf; continue; }
        return fail(corohttp::error::invalid_chunk_size, "Invalid character in chunk size", i);
      }
      case state::chunk_ext: {
        if (++ext_size_ > opt_.max_chunk_extensions_size)
          return fail(corohttp::error::chunk_extensions_overflow, "Chunk extensions overflow", i);
        bool end_ext = false;
        switch (ext_) {
          case ext::before_name:
            if (!ascii::is_token_char(c)) return fail(corohttp::error::strict, "Invalid character in chunk extensions", i);
            ext_ = ext::name;
            break;
          case ext::name:
            if (c == '=') ext_ = ext::before_value;
            else if (c == ';') ext_ = ext::before_name;
            else if (c == '\r') end_ext = true;
            else if (!ascii::is_token_char(c)) return fail(corohttp::error::strict, "Invalid character in chunk extensions", i);
            break;
          case ext::before_value:
            if (c == '"') ext_ = ext::quoted;
            else if (ascii::is_token_char(c)) ext_ = ext::value;
            else return fail(corohttp::error::strict, "Invalid character in chunk extensions value", i);
            break;
          case ext::value:
            if (c == ';') ext_ = ext::before_name;
            else if (c == '\r') end_ext = true;
            else if (!ascii::is_token_char(c)) return fail(corohttp::error::strict, "Invalid character in chunk extensions value", i);
            break;
          case ext::quoted:
            if (c == '"') ext_ = ext::after_quoted;
            else if (c == '\\') ext_ = ext::quoted_escape;
            else if (!(c == '\t' || (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f)))
              return fail(corohttp::error::strict, "Invalid character in chunk extensions quoted value", i);
            break;
          case ext::quoted_escape:
            if (!(c == '\t' || (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f)))
              return fail(corohttp::error::strict, "Invalid quoted-pair in chunk extensions quoted value", i);
            ext_ = ext::quoted;
            break;
          case ext::after_quoted:
            if (c == ';') ext_ = ext::before_name;
            else if (c == '\r') end_ext = true;
            else return fail(corohttp::error::strict, "Invalid character in chunk extensions quote value", i);
            break;
        }
        if (end_ext) state_ = state::chunk_size_lf;
        ++i;
        continue;
      }
      case state::chunk_size_lf: {
        if (c != '\n') return fail(corohttp::error::lf_expected, "Missing expected LF after chunk size", i);
        ++i;
        ext_size_ = 0;
        if (remaining_ != 0) {
          state_ = state::chunk_data;
          continue;
        }
        // The last chunk: a trailer section follows, scanned like a head from here.
        state_ = state::trailers;
        in_trailers_ = true;
        seen_field_ = false;
        fields_.clear();
        line_ = line::field_start;
        pos_ = 0;
        continue;
      }
      case state::chunk_data_cr: {
        if (c == '\r') { state_ = state::chunk_data_lf; ++i; continue; }
        if (lenient(lenient_optional_crlf_after_chunk)) { state_ = state::chunk_size; remaining_ = 0; ext_size_ = 0; continue; }
        return fail(corohttp::error::strict, "Expected CRLF after chunk", i);
      }
      case state::chunk_data_lf: {
        if (c != '\n') return fail(corohttp::error::strict, "Expected LF after chunk data", i);
        ++i;
        state_ = state::chunk_size;
        remaining_ = 0;
        ext_size_ = 0;
        continue;
      }
      default: return fail(corohttp::error::ok, "internal", i);
    }
  }
}

inline parser::step parser::finish() noexcept {
  switch (state_) {
    case state::body_eof: return finish_message(0);
    case state::start:
      if (!started_) return {event::need_more, 0, {}};
      break;
    case state::closed:
    case state::upgraded: return {event::need_more, 0, {}};
    case state::failed: return {event::error, 0, {}};
    default: break;
  }
  if (state_ == state::body_length && remaining_ == 0) return finish_message(0);
  return fail(corohttp::error::invalid_eof_state, "Invalid EOF state", 0);
}

}  // namespace corohttp
