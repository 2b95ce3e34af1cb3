// Fast scanners for the parser's long runs: request-targets and field values (16 bytes a step with
// SSE2 where the target has it), tokens (table-driven). Each returns the index of the first byte at
// or after `i` that does not belong to the run, or `size`.
#pragma once

#include <corohttp/proto/ascii.hpp>

#include <array>
#include <cstddef>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace corohttp::scan {

namespace detail {
#if defined(__SSE2__)
inline unsigned mask_of(__m128i bad) noexcept { return static_cast<unsigned>(_mm_movemask_epi8(bad)); }
#endif
}  // namespace detail

/// tchar run (method, field name).
inline std::size_t token(const char* p, std::size_t i, std::size_t size) noexcept {
  while (i + 4 <= size && ascii::is_token_char(p[i]) && ascii::is_token_char(p[i + 1]) &&
         ascii::is_token_char(p[i + 2]) && ascii::is_token_char(p[i + 3]))
    i += 4;
  while (i < size && ascii::is_token_char(p[i])) ++i;
  return i;
}

/// Request-target bytes: 0x21-0x7E.
inline std::size_t target(const char* p, std::size_t i, std::size_t size) noexcept {
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i tilde = _mm_set1_epi8(0x7e);
  while (i + 16 <= size) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    // x <= 0x20 or x > 0x7e (unsigned)
    __m128i low = _mm_cmpeq_epi8(_mm_min_epu8(x, space), x);
    __m128i high = _mm_xor_si128(_mm_cmpeq_epi8(_mm_max_epu8(x, tilde), tilde), _mm_set1_epi8(-1));
    unsigned m = detail::mask_of(_mm_or_si128(low, high));
    if (m) return i + static_cast<std::size_t>(__builtin_ctz(m));
    i += 16;
  }
#endif
  while (i < size && ascii::target_table[static_cast<unsigned char>(p[i])]) ++i;
  return i;
}

/// Field-value bytes: HTAB, SP, VCHAR, obs-text (no CTL, no DEL).
inline std::size_t value(const char* p, std::size_t i, std::size_t size) noexcept {
#if defined(__SSE2__)
  const __m128i ctl_max = _mm_set1_epi8(0x1f);
  const __m128i del = _mm_set1_epi8(0x7f);
  while (true) {
    while (i + 16 <= size) {
      __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(x, ctl_max), x);
      unsigned m = detail::mask_of(_mm_or_si128(ctl, _mm_cmpeq_epi8(x, del)));
      if (m) {
        i += static_cast<std::size_t>(__builtin_ctz(m));
        break;
      }
      i += 16;
    }
    if (i + 16 > size) break;
    if (p[i] != '\t') return i;
    ++i;  // HTAB is the one control byte a value may hold
  }
#endif
  while (i < size && ascii::value_table[static_cast<unsigned char>(p[i])]) ++i;
  return i;
}

/// Lenient field values (Node's insecureHTTPParser): anything but CR, LF and NUL.
inline std::size_t value_lenient(const char* p, std::size_t i, std::size_t size) noexcept {
  while (i < size && p[i] != '\r' && p[i] != '\n' && p[i] != '\0') ++i;
  return i;
}

/// Value of a hex digit, or -1.
constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// hex_value() as a table: one load per digit in the chunk-size loops.
inline constexpr auto hex_table = [] {
  std::array<signed char, 256> t{};
  for (int c = 0; c < 256; ++c) t[static_cast<std::size_t>(c)] = static_cast<signed char>(hex_value(static_cast<char>(c)));
  return t;
}();
inline int hex_digit(char c) noexcept { return hex_table[static_cast<unsigned char>(c)]; }

}  // namespace corohttp::scan
