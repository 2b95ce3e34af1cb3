#include <corohttp/proto/methods.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "test_support.hpp"

using namespace corohttp;

TEST_CASE("methods are sorted, unique and map to their enum", "[methods]") {
  CHECK(std::is_sorted(methods.begin(), methods.end()));
  CHECK(std::adjacent_find(methods.begin(), methods.end()) == methods.end());
  for (std::size_t i = 0; i < methods.size(); ++i) {
    auto m = static_cast<method>(i);
    CHECK(to_string(m) == methods[i]);
    CHECK(parse_method(methods[i]) == m);
  }
  CHECK(to_string(method::get) == "GET");
  CHECK(to_string(method::delete_) == "DELETE");
  CHECK(to_string(method::m_search) == "M-SEARCH");
  CHECK(to_string(method::unknown).empty());
}

TEST_CASE("parse_method rejects what is not exactly a method", "[methods]") {
  for (const char* bad : {"", "get", "Get", "GETS", "GE", "G", "POSTX", "PRI", "HTTP/1.1", "DESCRIBE",
                          "ANNOUNCE", "M-SEARCh", "UNSUBSCRIBEX", " GET", "GET "})
    CHECK(parse_method(bad) == method::unknown);
  static_assert(parse_method("PROPPATCH") == method::proppatch);
  static_assert(parse_method("QUERY") == method::query);
}

TEST_CASE("methods equal node's http.METHODS", "[methods][node]") {
  if (!test::have_program("node")) return test::skip("node is not installed: METHODS not compared");
  auto node = test::lines(test::run_command("node -p \"require('http').METHODS.join('\\n')\""));
  REQUIRE(node.size() == methods.size());
  for (std::size_t i = 0; i < methods.size(); ++i) CHECK(node[i] == methods[i]);
}
