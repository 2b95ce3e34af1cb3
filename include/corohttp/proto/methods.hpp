// http.METHODS: the request methods modern Node's parser accepts, and fast lookup from a token.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
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

namespace detail {
// `n` (≤ 8) bytes as one little-endian integer: byte loads at compile time, one load at run time.
template <std::size_t n>
constexpr std::uint64_t load_le(const char* p) noexcept {
  if (!std::is_constant_evaluated() && std::endian::native == std::endian::little) {
    std::uint64_t v = 0;
    std::memcpy(&v, p, n);
    return v;
  }
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

// A token of 3 to 16 bytes as two integers, from two loads that overlap for most lengths: together
// with the length, they are the token (every byte is in one of them).
struct method_key {
  std::uint64_t a = 0, b = 0;
  friend constexpr bool operator==(const method_key&, const method_key&) = default;
};
constexpr method_key key_of(const char* p, std::size_t n) noexcept {
  if (n >= 8) return {load_le<8>(p), load_le<8>(p + n - 8)};
  if (n >= 4) return {load_le<4>(p), load_le<4>(p + n - 4)};
  return {load_le<2>(p), load_le<1>(p + n - 1)};
}

struct method_keys {
  std::array<method_key, methods.size()> key{};
  // by_length[n]: the methods of n bytes, most used first (the method's index into key, end: -1).
  std::array<std::array<std::int8_t, 10>, 12> by_length{};
};
inline constexpr method_keys keys = [] {
  method_keys k;
  for (auto& l : k.by_length) l.fill(-1);
  std::array<std::size_t, 12> count{};
  // GET, POST, HEAD, PUT, DELETE, OPTIONS, PATCH first; then the rest in table order.
  using enum method;
  constexpr method popular[] = {get, post, head, put, delete_, options, patch};
  auto add = [&](auto e) {
    const auto m = static_cast<std::size_t>(e);
    const std::size_t n = methods[m].size();
    for (std::size_t i = 0; i < count[n]; ++i)
      if (static_cast<std::size_t>(k.by_length[n][i]) == m) return;
    k.by_length[n][count[n]++] = static_cast<std::int8_t>(m);
  };
  for (method m : popular) add(m);
  for (std::size_t m = 0; m < methods.size(); ++m) {
    k.key[m] = key_of(methods[m].data(), methods[m].size());
    add(m);
  }
  return k;
}();
}  // namespace detail

/// Method from its exact (case-sensitive, as RFC 9110 §9.1 says) token; `unknown` if none.
/// The token's length picks the candidates; each is one or two integer compares.
constexpr method parse_method(std::string_view token) noexcept {
  const std::size_t n = token.size();
  if (n < 3 || n > 11) return method::unknown;
  const detail::method_key k = detail::key_of(token.data(), n);
  for (std::int8_t m : detail::keys.by_length[n]) {
    if (m < 0) break;
    if (detail::keys.key[static_cast<std::size_t>(m)] == k) return static_cast<method>(m);
  }
  return method::unknown;
}

static_assert([] {
  for (std::size_t m = 0; m < methods.size(); ++m)
    if (parse_method(methods[m]) != static_cast<method>(m)) return false;
  return parse_method("GE") == method::unknown && parse_method("get") == method::unknown &&
         parse_method("GETS") == method::unknown && parse_method("UNSUBSCRIBEX") == method::unknown;
}());

}  // namespace corohttp
