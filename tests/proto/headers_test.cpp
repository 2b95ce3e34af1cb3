#include <corohttp/proto/headers.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "../../examples/common/json.hpp"
#include "test_support.hpp"

using namespace corohttp;
using fields = std::vector<std::pair<std::string, std::string>>;

namespace {
header_list make(const fields& fs) {
  header_list l;
  for (auto& [n, v] : fs) l.add(n, v);
  return l;
}
std::string merged_json(const header_list& l) {
  std::string out;
  examples::append_json(out, l.merged());
  return out;
}
}  // namespace

TEST_CASE("header_list keeps arrival order and original case", "[headers]") {
  auto l = make({{"Host", "a"}, {"X-Foo", "1"}, {"x-foo", "2"}, {"Content-Type", "text/plain"}});
  REQUIRE(l.size() == 4);
  CHECK(l[0] == header_field{"Host", "a"});
  CHECK(l[2] == header_field{"x-foo", "2"});
  auto raw = l.raw();
  CHECK(raw == std::vector<std::string_view>{"Host", "a", "X-Foo", "1", "x-foo", "2", "Content-Type", "text/plain"});
  std::vector<header_field> seen(l.begin(), l.end());
  CHECK(seen.size() == 4);
  CHECK(l.end() - l.begin() == 4);
}

TEST_CASE("header_list lookup is case-insensitive", "[headers]") {
  auto l = make({{"Host", "a"}, {"X-Foo", "1"}, {"x-FOO", "2"}});
  CHECK(l.find("host") == "a");
  CHECK(l.find("HOST") == "a");
  CHECK(l.find("x-foo") == "1");
  CHECK_FALSE(l.find("x-bar"));
  CHECK(l.contains("X-FOO"));
  CHECK(l.count("x-foo") == 2);
  CHECK(l.values("X-Foo") == std::vector<std::string_view>{"1", "2"});
  CHECK_FALSE(l.get("x-bar"));
}

TEST_CASE("merge: set-cookie is always an array", "[headers]") {
  auto one = make({{"Set-Cookie", "a=1"}});
  auto m1 = one.merged();
  REQUIRE(m1.find("set-cookie"));
  CHECK(m1.find("set-cookie")->is_array);
  CHECK(m1.find("set-cookie")->values == std::vector<std::string>{"a=1"});
  auto two = make({{"Set-Cookie", "a=1"}, {"set-cookie", "b=2; Path=/"}});
  CHECK(merged_json(two) == R"({"set-cookie":["a=1","b=2; Path=/"]})");
}

TEST_CASE("merge: cookie is joined with '; '", "[headers]") {
  auto l = make({{"Cookie", "a=1"}, {"COOKIE", "b=2"}, {"cookie", "c=3"}});
  CHECK(merged_json(l) == R"({"cookie":"a=1; b=2; c=3"})");
  CHECK(l.get("cookie") == "a=1; b=2; c=3");
}

TEST_CASE("merge: single-valued headers keep the first value", "[headers]") {
  const char* singles[] = {"host", "content-type", "content-length", "user-agent", "referer",
                           "authorization", "proxy-authorization", "if-modified-since",
                           "if-unmodified-since", "from", "location", "max-forwards", "retry-after",
                           "etag", "last-modified", "server", "age", "expires"};
  for (const char* name : singles) {
    INFO(name);
    CHECK(merge_rule_for(name) == merge_rule::keep_first);
    std::string upper = name;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto l = make({{upper, "first"}, {name, "second"}});
    CHECK(l.get(name) == "first");
    CHECK(merged_json(l) == "{\"" + std::string(name) + "\":\"first\"}");
  }
}

TEST_CASE("merge: every other header is joined with ', '", "[headers]") {
  auto l = make({{"Accept", "a"}, {"X-Custom", "1"}, {"accept", "b"}, {"Date", "d1"},
                 {"x-custom", "2"}, {"Connection", "keep-alive"}, {"connection", "upgrade"}});
  CHECK(merged_json(l) ==
        R"({"accept":"a, b","x-custom":"1, 2","date":"d1","connection":"keep-alive, upgrade"})");
  CHECK(l.get("ACCEPT") == "a, b");
  CHECK(merge_rule_for("Accept") == merge_rule::join_comma);
}

TEST_CASE("distinct view keeps every value as an array", "[headers]") {
  auto l = make({{"Host", "h"}, {"Host", "h2"}, {"Cookie", "a"}, {"cookie", "b"}});
  std::string out;
  examples::append_json(out, l.distinct());
  CHECK(out == R"({"host":["h","h2"],"cookie":["a","b"]})");
}

TEST_CASE("clear keeps capacity and the list refills", "[headers]") {
  header_list l;
  for (int round = 0; round < 3; ++round) {
    l.clear();
    CHECK(l.empty());
    l.add("Name", "value-" + std::to_string(round));
    CHECK(l.find("name") == "value-" + std::to_string(round));
  }
}

TEST_CASE("merged headers equal node's IncomingMessage", "[headers][node]") {
  if (!test::have_program("node")) return test::skip("node is not installed: header merging not compared");
  std::vector<fields> cases = {
      {{"Host", "example.com"}},
      {{"Host", "a"}, {"host", "b"}, {"HOST", "c"}},
      {{"Host", "h"}, {"Set-Cookie", "a=1"}},
      {{"Host", "h"}, {"Set-Cookie", "a=1"}, {"set-cookie", "b=2; Path=/"}, {"SET-COOKIE", "c=3"}},
      {{"Host", "h"}, {"Cookie", "a=1"}, {"cookie", "b=2"}},
      {{"Host", "h"}, {"Accept", "text/html"}, {"accept", "*/*"}, {"Accept-Encoding", "gzip"}},
      {{"Host", "h"}, {"X-Forwarded-For", "1.1.1.1"}, {"x-forwarded-for", "2.2.2.2"}},
      {{"Host", "h"}, {"Connection", "keep-alive"}, {"Connection", "Upgrade"}, {"Upgrade", "websocket"}},
      {{"Host", "h"}, {"Content-Type", "text/plain"}, {"content-type", "text/html"}},
      // (two Content-Length fields never reach merging: the parser rejects them, as Node does)
      {{"Host", "h"}, {"Content-Length", "0"}, {"content-type", "a"}, {"Content-Type", "b"}},
      {{"Host", "h"}, {"User-Agent", "a"}, {"User-Agent", "b"}, {"Referer", "r1"}, {"referer", "r2"}},
      {{"Host", "h"}, {"Authorization", "Basic x"}, {"authorization", "Basic y"},
       {"Proxy-Authorization", "p1"}, {"proxy-authorization", "p2"}},
      {{"Host", "h"}, {"If-Modified-Since", "a"}, {"If-Modified-Since", "b"},
       {"If-Unmodified-Since", "c"}, {"If-Unmodified-Since", "d"}},
      {{"Host", "h"}, {"From", "a@b"}, {"from", "c@d"}, {"Location", "/x"}, {"Location", "/y"},
       {"Max-Forwards", "1"}, {"Max-Forwards", "2"}, {"Retry-After", "5"}, {"Retry-After", "6"}},
      {{"Host", "h"}, {"ETag", "\"a\""}, {"etag", "\"b\""}, {"Last-Modified", "x"}, {"Last-Modified", "y"},
       {"Server", "s1"}, {"Server", "s2"}, {"Age", "1"}, {"Age", "2"}, {"Expires", "e1"}, {"Expires", "e2"}},
      {{"Host", "h"}, {"Date", "d1"}, {"Date", "d2"}, {"Link", "<a>"}, {"Link", "<b>"}},
      {{"Host", "h"}, {"Cache-Control", "no-cache"}, {"Pragma", "no-cache"}, {"cache-control", "max-age=0"}},
      {{"Host", "h"}, {"X-Empty", ""}, {"x-empty", ""}, {"X-Tab", "a\tb"}},
      {{"Host", "h"}, {"Transfer-Encoding", "chunked"}},
      {{"Host", "h"}, {"Via", "1.1 a"}, {"Via", "1.1 b"}, {"Warning", "w1"}, {"Warning", "w2"},
       {"WWW-Authenticate", "Basic"}, {"WWW-Authenticate", "Bearer"}},
      {{"Host", "h"}, {"Accept-Language", "en"}, {"accept-language", "fr"}, {"Origin", "o1"}, {"Origin", "o2"}},
      {{"host", "lower"}, {"MiXeD-CaSe", "v"}, {"mixed-case", "w"}, {"!#$%&'*+-.^_`|~", "token"}},
      {{"Host", "h"}, {"X-Quote", "say \"hi\" \\ there"}, {"X-Json", "{\"a\":[1,2]}"}},
  };
  std::string input = "[";
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (i) input += ",";
    input += "[";
    for (std::size_t j = 0; j < cases[i].size(); ++j) {
      if (j) input += ",";
      input += "[";
      examples::append_json_string(input, cases[i][j].first);
      input += ",";
      examples::append_json_string(input, cases[i][j].second);
      input += "]";
    }
    input += "]";
  }
  input += "]";
  auto script = (test::source_dir() / "proto" / "node_merge_headers.js").string();
  auto node = test::lines(test::run_command("node '" + script + "'", input));
  REQUIRE(node.size() == cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    auto l = make(cases[i]);
    std::string ours = "{\"headers\":";
    examples::append_json(ours, l.merged());
    ours += ",\"distinct\":";
    examples::append_json(ours, l.distinct());
    ours += ",\"raw\":";
    examples::append_json_raw(ours, l);
    ours += "}";
    INFO("case " << i);
    CHECK(ours == node[i]);
  }
}
