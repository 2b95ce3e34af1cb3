// http.METHODS: the request methods modern Node's parser accepts, and fast lookup from a token.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace corohttp {

/// One value per entry of `methods`, in the same (sorted) order; `unknown` is not a method.
enum class method : std::uint8_t {
  acl, bind, checkout, connect, copy, delete_, get, head, link, lock, m_search, merge,
  mkactivity, mkcalendar, mkcol, move, notify, options, patch, post, propfind, proppatch,
  purge, put, query, rebind, report, search, source, subscribe, trace, unbind, unlink,
  unlock, unsubscribe,
  unknown
};

/// Equal to Node's `http.METHODS`: sorted, upper case, as they appear on the wire.
inline constexpr std::array<std::string_view, 35> methods = {
    "ACL",        "BIND",      "CHECKOUT", "CONNECT",   "COPY",      "DELETE",   "GET",
    "HEAD",       "LINK",      "LOCK",     "M-SEARCH",  "MERGE",     "MKACTIVITY",
    "MKCALENDAR", "MKCOL",     "MOVE",     "NOTIFY",    "OPTIONS",   "PATCH",    "POST",
    "PROPFIND",   "PROPPATCH", "PURGE",    "PUT",       "QUERY",     "REBIND",   "REPORT",
    "SEARCH",     "SOURCE",    "SUBSCRIBE", "TRACE",    "UNBIND",    "UNLINK",   "UNLOCK",
    "UNSUBSCRIBE"};

static_assert(static_cast<std::size_t>(method::unknown) == methods.size());

/// The wire spelling of `m` ("" for `unknown`).
constexpr std::string_view to_string(method m) noexcept {
  auto i = static_cast<std::size_t>(m);
  return i < methods.size() ? methods[i] : std::string_view{};
}

/// Method from its exact (case-sensitive, as RFC 9110 §9.1 says) token; `unknown` if none.
/// Dispatches on the first letter so that each lookup compares against at most six names.
constexpr method parse_method(std::string_view token) noexcept {
  if (token.empty()) return method::unknown;
  auto pick = [token](std::initializer_list<method> candidates) {
    for (method m : candidates)
      if (methods[static_cast<std::size_t>(m)] == token) return m;
    return method::unknown;
  };
  using enum method;
  switch (token.front()) {
    case 'A': return pick({acl});
    case 'B': return pick({bind});
    case 'C': return pick({checkout, connect, copy});
    case 'D': return pick({delete_});
    case 'G': return pick({get});
    case 'H': return pick({head});
    case 'L': return pick({link, lock});
    case 'M': return pick({m_search, merge, mkactivity, mkcalendar, mkcol, move});
    case 'N': return pick({notify});
    case 'O': return pick({options});
    case 'P': return pick({post, put, patch, propfind, proppatch, purge});
    case 'Q': return pick({query});
    case 'R': return pick({rebind, report});
    case 'S': return pick({search, source, subscribe});
    case 'T': return pick({trace});
    case 'U': return pick({unbind, unlink, unlock, unsubscribe});
    default: return method::unknown;
  }
}

}  // namespace corohttp
