// The Date header (RFC 9110 §5.6.7, IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"), formatted at most
// once per second.
#pragma once

#include <array>
#include <cstdint>
#include <ctime>
#include <string_view>

namespace corohttp {

/// Formats `t` (seconds since the epoch, UTC) as an IMF-fixdate into `out`.
inline std::string_view format_http_date(std::time_t t, std::array<char, 29>& out) noexcept {
  static constexpr char days[] = "SunMonTueWedThuFriSat";
  static constexpr char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  auto two = [](char* p, int v) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
  };
  char* p = out.data();
  p[0] = days[tm.tm_wday * 3];
  p[1] = days[tm.tm_wday * 3 + 1];
  p[2] = days[tm.tm_wday * 3 + 2];
  p[3] = ',';
  p[4] = ' ';
  two(p + 5, tm.tm_mday);
  p[7] = ' ';
  p[8] = months[tm.tm_mon * 3];
  p[9] = months[tm.tm_mon * 3 + 1];
  p[10] = months[tm.tm_mon * 3 + 2];
  p[11] = ' ';
  int year = tm.tm_year + 1900;
  two(p + 12, year / 100);
  two(p + 14, year % 100);
  p[16] = ' ';
  two(p + 17, tm.tm_hour);
  p[19] = ':';
  two(p + 20, tm.tm_min);
  p[22] = ':';
  two(p + 23, tm.tm_sec);
  p[25] = ' ';
  p[26] = 'G';
  p[27] = 'M';
  p[28] = 'T';
  return {out.data(), out.size()};
}

/// The current date, formatted again only when the second changes. One per thread (or io_context).
class date_cache {
 public:
  std::string_view now() noexcept { return at(std::time(nullptr)); }
  std::string_view at(std::time_t t) noexcept {
    if (t != last_) {
      last_ = t;
      format_http_date(t, text_);
    }
    return {text_.data(), text_.size()};
  }

 private:
  std::time_t last_ = -1;
  std::array<char, 29> text_{};
};

}  // namespace corohttp
