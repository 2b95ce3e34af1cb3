// Standard base64 with padding (RFC 4648 §4): Basic credentials, setEncoding('base64').
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace corohttp::detail {

/// Appends the base64 form of `in` to `out`.
inline void append_base64(std::string& out, std::string_view in) {
  static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(in[k])); };
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    std::uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (int shift : {18, 12, 6, 0}) out.push_back(table[(v >> shift) & 63]);
  }
  if (std::size_t rest = in.size() - i) {
    std::uint32_t v = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
    out.push_back(table[(v >> 18) & 63]);
    out.push_back(table[(v >> 12) & 63]);
    out.push_back(rest == 2 ? table[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
}

inline std::string base64(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  append_base64(out, in);
  return out;
}

}  // namespace corohttp::detail
