// A minimal JSON writer for the examples and tests: enough to print what Node's JSON.stringify
// prints for strings, numbers, arrays and objects of strings, byte for byte.
#pragma once

#include <corohttp/detail/base64.hpp>
#include <corohttp/detail/string_decoder.hpp>
#include <corohttp/proto/headers.hpp>

#include <cstdint>
#include <cstdio>
#include <vector>
#include <string>
#include <string_view>

namespace corohttp::examples {

/// Appends `s` as a JSON string literal, escaping as JSON.stringify does.
inline void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

/// Appends `s` (bytes from the wire, which Node reads as latin-1) as a JSON string of its UTF-8 text.
inline void append_json_latin1(std::string& out, std::string_view s) {
  std::string text;
  detail::append_latin1_as_utf8(text, s);
  append_json_string(out, text);
}

/// A header_map as Node's JSON.stringify(message.headers) prints it.
inline void append_json(std::string& out, const header_map& map) {
  out.push_back('{');
  bool first = true;
  for (const auto& f : map) {
    if (!first) out.push_back(',');
    first = false;
    append_json_latin1(out, f.name);
    out.push_back(':');
    if (f.is_array) {
      out.push_back('[');
      for (std::size_t i = 0; i < f.values.size(); ++i) {
        if (i) out.push_back(',');
        append_json_latin1(out, f.values[i]);
      }
      out.push_back(']');
    } else {
      append_json_latin1(out, f.value());
    }
  }
  out.push_back('}');
}

/// Node's rawHeaders array.
inline void append_json_raw(std::string& out, const header_list& list) {
  out.push_back('[');
  bool first = true;
  for (header_field f : list) {
    if (!first) out.push_back(',');
    first = false;
    append_json_latin1(out, f.name);
    out.push_back(',');
    append_json_latin1(out, f.value);
  }
  out.push_back(']');
}

}  // namespace corohttp::examples

namespace corohttp::examples {

/// Standard base64 (with padding), as Node's Buffer.toString('base64').
inline std::string base64(std::string_view in) { return detail::base64(in); }

/// A JSON array of header strings (Node's rawHeaders / rawTrailers), latin-1 decoded as Node does.
inline void append_json(std::string& out, const std::vector<std::string_view>& items) {
  out.push_back('[');
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out.push_back(',');
    append_json_latin1(out, items[i]);
  }
  out.push_back(']');
}

}  // namespace corohttp::examples

#include <corohttp/incoming_message.hpp>

namespace corohttp::examples {

/// The fields both JSON contracts share (DESIGN.md §3), as Node's IncomingMessage shows them:
/// ,"httpVersion":..,"headers":..,"rawHeaders":..,"trailers":..,"rawTrailers":..,"bodyBase64":..
inline void append_message_json(std::string& out, const incoming_message& m, std::string_view body) {
  out += ",\"httpVersion\":";
  append_json_string(out, m.http_version());
  out += ",\"headers\":";
  append_json(out, m.headers());
  out += ",\"rawHeaders\":";
  append_json(out, m.raw_headers());
  out += ",\"trailers\":";
  append_json(out, m.trailers());
  out += ",\"rawTrailers\":";
  append_json(out, m.raw_trailers());
  out += ",\"bodyBase64\":";
  append_json_string(out, base64(body));
}

}  // namespace corohttp::examples
