// Node's StringDecoder for message.setEncoding(): turns body bytes into text of one encoding,
// never splitting a character (or a base64 quantum) across two chunks.
#pragma once

#include <corohttp/detail/base64.hpp>
#include <corohttp/proto/ascii.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace corohttp::detail {

enum class text_encoding : std::uint8_t { utf8, latin1, ascii, hex, base64 };

/// The encoding Node means by `name` ("utf8", "utf-8", "latin1", "binary", "ascii", "hex", "base64").
inline std::optional<text_encoding> parse_encoding(std::string_view name) {
  std::string n = ascii::to_lower(name);
  if (n == "utf8" || n == "utf-8") return text_encoding::utf8;
  if (n == "latin1" || n == "binary") return text_encoding::latin1;
  if (n == "ascii") return text_encoding::ascii;
  if (n == "hex") return text_encoding::hex;
  if (n == "base64") return text_encoding::base64;
  return std::nullopt;
}

/// Latin-1 bytes as UTF-8 text: how Node turns header bytes into strings.
inline void append_latin1_as_utf8(std::string& out, std::string_view in) {
  for (char ch : in) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out.push_back(ch);
    } else {
      out.push_back(static_cast<char>(0xc0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    }
  }
}

class string_decoder {
 public:
  explicit string_decoder(text_encoding e) : enc_(e) {}

  /// Decodes `in`, keeping an incomplete tail for the next call.
  std::string write(std::string_view in) {
    std::string out;
    switch (enc_) {
      case text_encoding::utf8: utf8(in, out); break;
      case text_encoding::latin1:
        append_latin1_as_utf8(out, in);
        break;
      case text_encoding::ascii:
        for (char ch : in) out.push_back(static_cast<char>(ch & 0x7f));
        break;
      case text_encoding::hex:
        for (char ch : in) {
          auto c = static_cast<unsigned char>(ch);
          out.push_back("0123456789abcdef"[c >> 4]);
          out.push_back("0123456789abcdef"[c & 0xf]);
        }
        break;
      case text_encoding::base64: {
        std::string all = pending_ + std::string(in);
        std::size_t whole = all.size() / 3 * 3;
        append_base64(out, std::string_view(all).substr(0, whole));
        pending_ = all.substr(whole);
        break;
      }
    }
    return out;
  }

  /// Whatever is held back, at the end of the body.
  std::string end() {
    std::string out;
    if (enc_ == text_encoding::base64) append_base64(out, pending_);
    else if (enc_ == text_encoding::utf8 && !pending_.empty()) out += "\xef\xbf\xbd";  // U+FFFD
    pending_.clear();
    return out;
  }

 private:
  // Passes complete, valid UTF-8 through; an invalid byte becomes U+FFFD; an incomplete sequence
  // at the end waits for the next chunk.
  void utf8(std::string_view in, std::string& out) {
    std::string all;
    if (!pending_.empty()) {
      all = pending_ + std::string(in);
      in = all;
      pending_.clear();
    }
    std::size_t i = 0;
    while (i < in.size()) {
      auto c = static_cast<unsigned char>(in[i]);
      std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
      if (len == 0) {
        out += "\xef\xbf\xbd";
        ++i;
        continue;
      }
      if (i + len > in.size()) {
        bool prefix_ok = true;
        for (std::size_t k = i + 1; k < in.size(); ++k)
          if ((static_cast<unsigned char>(in[k]) & 0xc0) != 0x80) prefix_ok = false;
        if (prefix_ok) {
          pending_.assign(in.substr(i));
          return;
        }
      }
      bool ok = i + len <= in.size();
      for (std::size_t k = 1; ok && k < len; ++k)
        if ((static_cast<unsigned char>(in[i + k]) & 0xc0) != 0x80) ok = false;
      if (!ok) {
        out += "\xef\xbf\xbd";
        ++i;
        continue;
      }
      out.append(in.substr(i, len));
      i += len;
    }
  }

  text_encoding enc_;
  std::string pending_;
};

}  // namespace corohttp::detail
