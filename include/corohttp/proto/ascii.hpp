// Character classes and case folding for HTTP/1.1 (RFC 9110 §5.6.2, RFC 9112).
// Table-driven so that the parser's hot loops are one load and one test per byte.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace corohttp::ascii {

namespace detail {
template <class Pred>
constexpr std::array<bool, 256> make_table(Pred pred) {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[static_cast<std::size_t>(c)] = pred(static_cast<unsigned char>(c));
  return t;
}
constexpr bool is_tchar_impl(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  for (char s : std::string_view("!#$%&'*+-.^_`|~"))
    if (c == static_cast<unsigned char>(s)) return true;
  return false;
}
}  // namespace detail

/// tchar: the characters of a token (method, header name, transfer coding).
inline constexpr std::array<bool, 256> token_table = detail::make_table(detail::is_tchar_impl);

/// field-vchar / SP / HTAB / obs-text: what a header value may hold (no CTL, no DEL).
inline constexpr std::array<bool, 256> value_table = detail::make_table([](unsigned char c) {
  return c == '\t' || (c >= 0x20 && c != 0x7f);
});

/// What a request-target may hold in strict mode: visible ASCII, no space, no CTL, no DEL.
inline constexpr std::array<bool, 256> target_table = detail::make_table([](unsigned char c) {
  return c > 0x20 && c < 0x7f;
});

inline constexpr std::array<unsigned char, 256> lower_table = [] {
  std::array<unsigned char, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[static_cast<std::size_t>(c)] =
        static_cast<unsigned char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
  return t;
}();

constexpr bool is_token_char(char c) noexcept { return token_table[static_cast<unsigned char>(c)]; }
constexpr bool is_value_char(char c) noexcept { return value_table[static_cast<unsigned char>(c)]; }
constexpr char to_lower(char c) noexcept {
  return static_cast<char>(lower_table[static_cast<unsigned char>(c)]);
}

constexpr bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_token_char(c)) return false;
  return true;
}

/// A header value we can put on the wire: no CR, LF, NUL or other CTL except HTAB.
constexpr bool is_field_value(std::string_view s) noexcept {
  for (char c : s)
    if (!is_value_char(c)) return false;
  return true;
}

/// ASCII case-insensitive equality; HTTP names are ASCII tokens.
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (to_lower(a[i]) != to_lower(b[i])) return false;
  return true;
}

inline std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = to_lower(c);
  return out;
}

/// Eight bytes as one integer, in memory order: compare with pack8() of a literal.
inline std::uint64_t load8(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
/// The first n (≤ 8) bytes of s as load8() would read them, zero-padded.
constexpr std::uint64_t pack8(std::string_view s, std::size_t n = 8) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n && i < s.size(); ++i) {
    auto b = static_cast<std::uint64_t>(static_cast<unsigned char>(s[i]));
    v |= std::endian::native == std::endian::little ? b << (8 * i) : b << (8 * (7 - i));
  }
  return v;
}

/// A lower-case ASCII literal (≤ 32 bytes) that input is compared with case-insensitively, 8 bytes (or
/// 4) at a time: each word read is ORed with 0x20 on the literal's letter positions only, so an
/// upper-case letter folds onto its lower case and nothing else can land on a letter or on the
/// literal's other bytes.
class folded_literal {
 public:
  constexpr explicit folded_literal(std::string_view lower) noexcept : n_(lower.size()) {
    auto word = [&](std::size_t off, std::size_t len, bool mask) {
      std::uint64_t v = 0;
      for (std::size_t i = 0; i < len; ++i) {
        auto c = static_cast<unsigned char>(lower[off + i]);
        std::uint64_t b = mask ? (c >= 'a' && c <= 'z' ? 0x20 : 0) : c;
        v |= std::endian::native == std::endian::little ? b << (8 * i) : b << (8 * (len - 1 - i));
      }
      return v;
    };
    // Whole words, then one that overlaps the last so that every byte is covered.
    const std::size_t w = n_ >= 8 ? 8 : 4;
    for (std::size_t off = 0; n_ >= 4 && off < n_; off += w) {
      const std::size_t at = off + w <= n_ ? off : n_ - w;
      at_[parts_] = static_cast<std::uint8_t>(at);
      word_[parts_] = word(at, w, false);
      mask_[parts_] = word(at, w, true);
      ++parts_;
    }
    for (std::size_t i = 0; i < n_ && n_ < 4; ++i) short_[i] = lower[i];
  }

  bool matches(std::string_view s) const noexcept { return s.size() == n_ && matches_n(s.data()); }
  /// The literal's length of bytes at p.
  bool matches_n(const char* p) const noexcept {
    if (n_ < 4) {
      for (std::size_t i = 0; i < n_; ++i)
        if (static_cast<char>(lower_table[static_cast<unsigned char>(p[i])]) != short_[i]) return false;
      return true;
    }
    std::uint64_t diff = 0;
    for (std::size_t k = 0; k < parts_; ++k) {
      std::uint64_t v = 0;
      if (n_ >= 8) std::memcpy(&v, p + at_[k], 8);
      else {
        std::uint32_t v4;
        std::memcpy(&v4, p + at_[k], 4);
        v = v4;
      }
      diff |= (v | mask_[k]) ^ word_[k];
    }
    return diff == 0;
  }
  std::size_t size() const noexcept { return n_; }

 private:
  std::size_t n_;
  std::size_t parts_ = 0;
  std::uint8_t at_[4] = {};
  std::uint64_t word_[4] = {}, mask_[4] = {};
  char short_[4] = {};
};

/// Trims SP and HTAB on both ends (RFC 9110 OWS).
constexpr std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace corohttp::ascii
