#include <corohttp/proto/status_codes.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "test_support.hpp"

using namespace corohttp;

TEST_CASE("status_codes are sorted and status_text finds each", "[status]") {
  CHECK(std::is_sorted(status_codes.begin(), status_codes.end(),
                       [](auto& a, auto& b) { return a.code < b.code; }));
  for (auto [code, reason] : status_codes) CHECK(status_text(code) == reason);
  CHECK(status_text(200) == "OK");
  CHECK(status_text(418) == "I'm a Teapot");
  CHECK(status_text(431) == "Request Header Fields Too Large");
  for (int unknown : {-1, 0, 99, 199, 299, 419, 600, 1000}) CHECK(status_text(unknown).empty());
  static_assert(status_text(404) == "Not Found");
}

TEST_CASE("status_codes equal node's http.STATUS_CODES", "[status][node]") {
  if (!test::have_program("node")) return test::skip("node is not installed: STATUS_CODES not compared");
  auto node = test::lines(test::run_command(
      "node -p \"Object.entries(require('http').STATUS_CODES).map(([k, v]) => k + '\\t' + v).join('\\n')\""));
  REQUIRE(node.size() == status_codes.size());
  for (std::size_t i = 0; i < status_codes.size(); ++i)
    CHECK(node[i] == std::to_string(status_codes[i].code) + "\t" + std::string(status_codes[i].reason));
}
