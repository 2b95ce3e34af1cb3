// Checks a server makes on a parsed request beyond the parser's grammar: the places where RFC 9112
// says MUST and Node is lax. corohttp is deliberately stricter than Node here:
//  * an HTTP/1.1 request carries exactly one Host field, and its value is a valid uri-host[:port]
//    (none, two, a comma list, userinfo, a path or an empty value → 400; RFC 9112 §3.2);
//  * the asterisk-form target is for OPTIONS only (RFC 9112 §3.2.4).
#pragma once

#include <corohttp/proto/ascii.hpp>
#include <corohttp/proto/error.hpp>
#include <corohttp/proto/parser.hpp>

#include <array>
#include <string_view>

namespace corohttp {

namespace detail {
// reg-name bytes: unreserved / pct-encoded / sub-delims, minus the ones that split lists or hosts.
inline constexpr std::array<bool, 256> reg_name_table = ascii::detail::make_table([](unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.' ||
         c == '_' || c == '~' || c == '%' || c == '!' || c == '$' || c == '&' || c == '\'' || c == '(' ||
         c == ')' || c == '*' || c == '+' || c == ';' || c == '=';
});
}  // namespace detail

/// A Host value: uri-host [":" port], where uri-host is a reg-name, an IPv4 address or an IP literal
/// in brackets (RFC 3986 §3.2.2). No userinfo, path, query, list or whitespace.
constexpr bool is_valid_host(std::string_view v) noexcept {
  if (v.empty()) return false;
  std::string_view port;
  if (v.front() == '[') {
    auto close = v.find(']');
    if (close == std::string_view::npos) return false;
    for (char c : v.substr(1, close - 1)) {
      bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
      if (!ok) return false;
    }
    if (close == 1) return false;
    std::string_view rest = v.substr(close + 1);
    if (rest.empty()) return true;
    if (rest.front() != ':') return false;
    port = rest.substr(1);
  } else {
    // One pass (every request has a Host): the reg-name up to the first byte outside it, which
    // must be the end or the ':' before the port (':' is not a reg-name byte).
    std::size_t i = 0;
    while (i < v.size() && detail::reg_name_table[static_cast<unsigned char>(v[i])]) ++i;
    if (i == 0) return false;
    if (i == v.size()) return true;
    if (v[i] != ':') return false;
    port = v.substr(i + 1);
  }
  if (port.empty() || port.size() > 5) return false;
  for (char c : port)
    if (c < '0' || c > '9') return false;
  return true;
}

/// RFC 9112 rules for a request the parser accepted; an error to answer with 400.
inline boost::system::error_code check_request(const message_head& head) noexcept {
  if (head.target == "*" && head.method != method::options) return error::invalid_url;
  if (head.version_major == 1 && head.version_minor >= 1) {
    std::size_t hosts = 0;
    std::string_view value;
    for (header_field f : head.headers) {
      if (f.name.size() == 4 && ascii::iequals(f.name, "host")) {
        ++hosts;
        value = f.value;
      }
    }
    if (hosts != 1 || !is_valid_host(value)) return error::invalid_host;
  } else {
    // HTTP/1.0 may omit Host, but two of them are as ambiguous as on 1.1.
    std::size_t hosts = 0;
    for (header_field f : head.headers)
      if (f.name.size() == 4 && ascii::iequals(f.name, "host")) {
        ++hosts;
        if (!is_valid_host(f.value)) return error::invalid_host;
      }
    if (hosts > 1) return error::invalid_host;
  }
  return {};
}

}  // namespace corohttp
