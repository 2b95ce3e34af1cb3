// http.STATUS_CODES: the standard reason phrases, as modern Node spells them.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace corohttp {

struct status_entry {
  int code;
  std::string_view reason;
};

/// Equal to Node's `http.STATUS_CODES`, sorted by code.
inline constexpr std::array<status_entry, 63> status_codes = {{
    {100, "Continue"},
    {101, "Switching Protocols"},
    {102, "Processing"},
    {103, "Early Hints"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {203, "Non-Authoritative Information"},
    {204, "No Content"},
    {205, "Reset Content"},
    {206, "Partial Content"},
    {207, "Multi-Status"},
    {208, "Already Reported"},
    {226, "IM Used"},
    {300, "Multiple Choices"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {305, "Use Proxy"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {402, "Payment Required"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {407, "Proxy Authentication Required"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Payload Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Range Not Satisfiable"},
    {417, "Expectation Failed"},
    {418, "I'm a Teapot"},
    {421, "Misdirected Request"},
    {422, "Unprocessable Entity"},
    {423, "Locked"},
    {424, "Failed Dependency"},
    {425, "Too Early"},
    {426, "Upgrade Required"},
    {428, "Precondition Required"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {451, "Unavailable For Legal Reasons"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"},
    {506, "Variant Also Negotiates"},
    {507, "Insufficient Storage"},
    {508, "Loop Detected"},
    {509, "Bandwidth Limit Exceeded"},
    {510, "Not Extended"},
    {511, "Network Authentication Required"},
}};

namespace detail {
// Index into status_codes by code - 100, so that status_text() is one load; 0xff = no entry.
inline constexpr std::array<std::uint8_t, 500> status_index = [] {
  std::array<std::uint8_t, 500> t{};
  for (auto& v : t) v = 0xff;
  for (std::size_t i = 0; i < status_codes.size(); ++i)
    t[static_cast<std::size_t>(status_codes[i].code - 100)] = static_cast<std::uint8_t>(i);
  return t;
}();
}  // namespace detail

/// The reason phrase for `code`, or "" when Node has none (as `STATUS_CODES[code]` is undefined).
constexpr std::string_view status_text(int code) noexcept {
  if (code < 100 || code > 599) return {};
  auto i = detail::status_index[static_cast<std::size_t>(code - 100)];
  return i == 0xff ? std::string_view{} : status_codes[i].reason;
}

}  // namespace corohttp
