// Options of http.request(), with Node's names and defaults, and the URL strings request() takes.
#pragma once

#include <corohttp/proto/error.hpp>

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

/// Parses "http://[user:pass@]host[:port][/path][?query]" into options (fragment dropped, as
/// Node's URL handling drops it); credentials become `auth`, percent-decoded, "user" alone as
/// "user:" (Node's urlToHttpOptions). Returns error::invalid_url for anything else, and
/// error::unsupported_protocol for another scheme.
inline boost::system::error_code parse_url(std::string_view url, request_options& out) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return error::invalid_url;
  std::string scheme(url.substr(0, scheme_end));
  for (char& c : scheme) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  if (scheme != "http") return error::unsupported_protocol;
  out.protocol = "http:";
  std::string_view rest = url.substr(scheme_end + 3);
  auto path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view path = path_start == std::string_view::npos ? std::string_view{} : rest.substr(path_start);
  if (auto hash = path.find('#'); hash != std::string_view::npos) path = path.substr(0, hash);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    // Node: decodeURIComponent(username) + ':' + decodeURIComponent(password).
    std::string_view userinfo = authority.substr(0, at);
    auto colon = userinfo.find(':');
    out.auth = percent_decode(userinfo.substr(0, colon)) + ':';
    if (colon != std::string_view::npos) out.auth += percent_decode(userinfo.substr(colon + 1));
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
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return error::invalid_url;
  out.hostname.assign(host);
  out.host.assign(host);
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
  out.path = path.empty() ? "/" : (path.front() == '?' ? "/" + std::string(path) : std::string(path));
  return {};
}

}  // namespace corohttp
