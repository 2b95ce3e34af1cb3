// URL strings given to request(): parsed and normalised as Node's http.request(url) does (WHATWG URL,
// then urlToHttpOptions), checked case by case and against node itself.
#include <corohttp/request_options.hpp>

#include <catch2/catch.hpp>
#include <test_support.hpp>

#include <string>
#include <vector>

using namespace corohttp;

namespace {

// "host port path auth" of a parsed URL, or the error's name: one comparable line.
std::string describe(const std::string& url) {
  request_options o;
  if (auto ec = parse_url(url, o)) return ec == error::unsupported_protocol ? "protocol" : "invalid";
  return o.connect_host() + " " + std::to_string(o.port) + " " + o.path + " " + o.auth;
}

const std::vector<std::string> urls = {
    "http://h/a b",
    "http://h/a^b`{}|\"<>",
    "http://H.Example.COM:80/x/./y/../z?q r's#frag",
    "http://h/%2e/a/%2E%2e/b",
    "http:\\\\h\\a\\b",
    "  http://h/p\t\n  ",
    "http://h:/p",
    "http://h:8080",
    "http://h/a/..",
    "http://h/a/.",
    "http://h/a/../../..",
    "http://h?x",
    "http://h#only-fragment",
    "http://h/\xc3\xa9?\xc3\xa9",
    "http://u:p@h/",
    "http://user@h/x",
    "http://us%40er:p%3Ass@h/",
    "http:h/p",
    "http:///path",
    "http://h/a%zz",
    "http://h/a?b?c#d#e",
    "http://h/%7e/~",
    "HTTP://h/",
    "http://[::1]:8080/x",
    "http://[::1/",
    "http://",
    "http://a b/",
    "http://h:99999/",
    "http://h:8x/",
    "http://h/\x01\x7f",
    "no scheme here",
    "https://h/",
    "ftp://h/",
};

}  // namespace

TEST_CASE("parse_url normalises as WHATWG URL does", "[url]") {
  CHECK(describe("http://h/a b") == "h 80 /a%20b ");
  CHECK(describe("http://H.Example.COM:80/x/./y/../z?q r's#frag") == "h.example.com 80 /x/z?q%20r%27s ");
  CHECK(describe("http://h/%2e/a/%2E%2e/b") == "h 80 /b ");
  CHECK(describe("http:\\\\h\\a\\b") == "h 80 /a/b ");
  CHECK(describe("  http://h/p\t\n  ") == "h 80 /p ");
  CHECK(describe("http://h/a/..") == "h 80 / ");
  CHECK(describe("http://h/a/.") == "h 80 /a/ ");
  CHECK(describe("http://h?x") == "h 80 /?x ");
  CHECK(describe("http://h/\xc3\xa9?\xc3\xa9") == "h 80 /%C3%A9?%C3%A9 ");
  CHECK(describe("http://user@h/x") == "h 80 /x user:");
  CHECK(describe("http://[::1]:8080/x") == "::1 8080 /x ");
  CHECK(describe("http://a b/") == "invalid");
  CHECK(describe("http://") == "invalid");
  CHECK(describe("https://h/") == "protocol");
}

TEST_CASE("parse_url agrees with node's URL and urlToHttpOptions", "[url][node]") {
  if (!test::have_program("node")) return test::skip("node is not installed: URLs not compared");
  std::string input;
  for (const auto& u : urls) {
    std::string hex;
    for (unsigned char c : u) {
      static const char* digits = "0123456789abcdef";
      hex += digits[c >> 4];
      hex += digits[c & 15];
    }
    input += hex + "\n";
  }
  // Each line is a URL in hex, so tabs, newlines and spaces survive the trip.
  auto node = test::lines(test::run_command("node " + (test::source_dir() / "proto" / "url_peer.js").string(), input));
  REQUIRE(node.size() == urls.size());
  for (std::size_t i = 0; i < urls.size(); ++i) {
    INFO("url: " << urls[i]);
    CHECK(describe(urls[i]) == node[i]);
  }
}
