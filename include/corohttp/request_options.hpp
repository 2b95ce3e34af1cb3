// Options of http.request(), with Node's names and defaults, and the URL strings request() takes.
#pragma once

#include <corohttp/proto/error.hpp>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corohttp {

class agent;

struct request_options {
  std::string protocol = "http:";  ///< only "http:" is spoken here
  std::string host = "localhost";  ///< used when hostname is empty
  std::string hostname;            ///< preferred over host
  int family = 0;                  ///< 4 or 6 to pick an address family; 0 = either
  std::uint16_t port = 80;
  std::string local_address;       ///< bind the socket to this local address first
  std::string socket_path;         ///< a UNIX-domain socket instead of host:port
  std::string method = "GET";
  std::string path = "/";          ///< may include a query; no spaces or control characters
  std::vector<std::pair<std::string, std::string>> headers;
  std::string auth;                ///< "user:password" → Basic Authorization (unless set in headers)
  /// The agent: nullptr means the io_context's global agent (global_agent()).
  corohttp::agent* agent = nullptr;
  /// Node's `agent: false`: a connection of its own, `Connection: close`, no pooling.
  bool no_agent = false;
  /// Socket idle timeout; when it passes the request ends with error::socket_timeout. 0 = none.
  std::chrono::milliseconds timeout{0};
  bool set_host = true;            ///< add a Host field when the caller did not
  std::size_t max_header_size = 16 * 1024;
  bool insecure_http_parser = false;

  /// The host to connect to: hostname, else host (brackets of an IPv6 literal removed).
  std::string connect_host() const {
    std::string h = hostname.empty() ? host : hostname;
    if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
    return h;
  }
};

/// %XX escapes decoded (a malformed one is kept as it is).
inline std::string percent_decode(std::string_view in) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2])));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

namespace detail {

// Appends c, percent-encoded when `encode` says so (the WHATWG URL percent-encode sets).
template <class Set>
void append_encoded(std::string& out, char c, Set encode) {
  static constexpr char hex[] = "0123456789ABCDEF";
  auto b = static_cast<unsigned char>(c);
  if (b < 0x20 || b > 0x7e || encode(c)) {
    out.push_back('%');
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 15]);
  } else {
    out.push_back(c);
  }
}

inline bool is_dot_segment(std::string_view s, int dots) {
  auto lower = [](std::string_view a) {
    std::string r(a);
    for (char& c : r) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    return r;
  };
  std::string l = lower(s);
  if (dots == 1) return l == "." || l == "%2e";
  return l == ".." || l == ".%2e" || l == "%2e." || l == "%2e%2e";
}

// The path of a special URL as WHATWG's URL parser (Node's `new URL()`) leaves it: '\' is '/',
// dot segments resolved, bytes outside the path set percent-encoded.
inline std::string normalize_url_path(std::string_view raw) {
  std::vector<std::string> segments;
  std::size_t i = 0;
  if (!raw.empty() && (raw.front() == '/' || raw.front() == '\\')) i = 1;
  bool trailing_slash = false;
  for (;;) {
    std::size_t j = i;
    while (j < raw.size() && raw[j] != '/' && raw[j] != '\\') ++j;
    std::string_view seg = raw.substr(i, j - i);
    const bool last = j >= raw.size();
    if (is_dot_segment(seg, 2)) {
      if (!segments.empty()) segments.pop_back();
      if (last) trailing_slash = true;
    } else if (is_dot_segment(seg, 1)) {
      if (last) trailing_slash = true;
    } else {
      std::string enc;
      for (char c : seg)
        append_encoded(enc, c, [](char x) {
          return x == ' ' || x == '"' || x == '#' || x == '<' || x == '>' || x == '?' || x == '`' || x == '{' ||
                 x == '}';
        });
      segments.push_back(std::move(enc));
    }
    if (last) break;
    i = j + 1;
  }
  std::string out;
  for (const auto& s : segments) {
    out += '/';
    out += s;
  }
  if (trailing_slash || out.empty()) out += '/';
  return out;
}

}  // namespace detail

/// Parses an http URL into options as Node's `http.request(url)` does (WHATWG URL, then
/// urlToHttpOptions): surrounding spaces and controls trimmed, tabs and newlines removed, the
/// scheme and host lower-cased, "\\" read as "/", dot segments resolved, spaces, quotes and other
/// bytes outside the URL standard's path and query sets percent-encoded ("/a b" → "/a%20b"),
/// the fragment dropped, a default or empty port left out; credentials become `auth`,
/// percent-decoded, "user" alone as "user:". Returns error::invalid_url for a URL that is not one
/// (no scheme, no host, a bad port or host character; non-ASCII host names are not converted
/// to punycode and are refused), error::unsupported_protocol for a scheme other than http.
inline boost::system::error_code parse_url(std::string_view input, request_options& out) {
  // Leading and trailing C0 controls and spaces go; tabs and newlines anywhere go.
  while (!input.empty() && static_cast<unsigned char>(input.front()) <= 0x20) input.remove_prefix(1);
  while (!input.empty() && static_cast<unsigned char>(input.back()) <= 0x20) input.remove_suffix(1);
  std::string cleaned;
  for (char c : input)
    if (c != '\t' && c != '\n' && c != '\r') cleaned.push_back(c);
  std::string_view url = cleaned;

  auto colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0) return error::invalid_url;
  std::string scheme(url.substr(0, colon));
  for (char& c : scheme) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
              c == '-' || c == '.';
    if (!ok) return error::invalid_url;
    c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  if (scheme != "http") return error::unsupported_protocol;
  out.protocol = "http:";
  std::string_view rest = url.substr(colon + 1);
  while (!rest.empty() && (rest.front() == '/' || rest.front() == '\\')) rest.remove_prefix(1);

  auto path_start = rest.find_first_of("/\\?#");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view path = path_start == std::string_view::npos ? std::string_view{} : rest.substr(path_start);
  if (auto hash = path.find('#'); hash != std::string_view::npos) path = path.substr(0, hash);
  out.auth.clear();
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    // Node: decodeURIComponent(username) + ':' + decodeURIComponent(password).
    std::string_view userinfo = authority.substr(0, at);
    auto sep = userinfo.find(':');
    out.auth = percent_decode(userinfo.substr(0, sep)) + ':';
    if (sep != std::string_view::npos) out.auth += percent_decode(userinfo.substr(sep + 1));
    authority.remove_prefix(at + 1);
  }
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return error::invalid_url;
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return error::invalid_url;
      port = after.substr(1);
    }
  } else if (auto c = authority.rfind(':'); c != std::string_view::npos) {
    host = authority.substr(0, c);
    port = authority.substr(c + 1);
  }
  if (host.empty()) return error::invalid_url;
  std::string h(host);
  if (h.front() == '[') {  // an IPv6 literal
    if (h.size() < 3 || h.back() != ']') return error::invalid_url;
    for (char c : std::string_view(h).substr(1, h.size() - 2))
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return error::invalid_url;
  } else {
    // Forbidden host code points; no punycode conversion here, so no non-ASCII either.
    for (char c : h)
      if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f ||
          std::string_view("#%/:<>?@[\\]^|").find(c) != std::string_view::npos)
        return error::invalid_url;
  }
  for (char& c : h) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  out.hostname = h;
  out.host = h;
  out.port = 80;
  if (!port.empty()) {
    unsigned v = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return error::invalid_url;
      v = v * 10 + static_cast<unsigned>(c - '0');
      if (v > 65535) return error::invalid_url;
    }
    out.port = static_cast<std::uint16_t>(v);
  }
  std::string_view query;
  if (auto q = path.find('?'); q != std::string_view::npos) {
    query = path.substr(q);
    path = path.substr(0, q);
  }
  out.path = detail::normalize_url_path(path);
  for (char c : query)
    detail::append_encoded(out.path, c, [](char x) {
      return x == ' ' || x == '"' || x == '#' || x == '<' || x == '>' || x == '\'';
    });
  return {};
}

}  // namespace corohttp
