// Hostile input: malformed and smuggling requests, in every class of DESIGN.md §5, with variants in
// case, whitespace and ordering, each sent whole and split across TCP writes. Each must be answered
// 400 (431 or 413 where that is the answer) with the connection closed, and the handler must never
// see it.
#include <corohttp/server.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <iostream>
#include <string>
#include <vector>

#include "server_fixture.hpp"

using namespace corohttp;
using namespace std::chrono_literals;

namespace {

struct hostile_case {
  std::string name;
  std::string bytes;
  std::string status = "400";
  bool in_body = false;  // the head is valid: the handler runs, but its answer never goes out
};

std::vector<hostile_case> hostile_cases() {
  std::vector<hostile_case> v;
  const std::string h = "Host: example.com\r\n";
  auto add = [&](std::string name, std::string bytes, std::string status = "400") {
    for (char& c : name)
      if (c == '\r' || c == '\n') c = ' ';
    v.push_back({std::move(name), std::move(bytes), std::move(status)});
  };
  auto add_body = [&](std::string name, std::string bytes, std::string status = "400") {
    add(std::move(name), std::move(bytes), std::move(status));
    v.back().in_body = true;
  };
  // Content-Length with Transfer-Encoding, in both orders, any case, any spacing.
  for (std::string te : {"chunked", "CHUNKED", "Chunked", " chunked", "chunked ", "gzip, chunked"})
    for (std::string cl_name : {"Content-Length", "content-length", "CONTENT-LENGTH"}) {
      add("CL+TE " + cl_name + "/" + te,
          "POST / HTTP/1.1\r\n" + h + cl_name + ": 5\r\nTransfer-Encoding: " + te + "\r\n\r\n0\r\n\r\n");
      add("TE+CL " + cl_name + "/" + te,
          "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: " + te + "\r\n" + cl_name + ": 5\r\n\r\n0\r\n\r\n");
    }
  // Duplicate or malformed Content-Length.
  for (std::string cl : {"5\r\nContent-Length: 6", "5\r\nContent-Length: 5", "5, 5", "5,6", "+5", "-5", "5 5", "0x5",
                         "5.0", "", "99999999999999999999999", "5\r\ncontent-length: 05", "1e3"})
    add("bad Content-Length '" + cl + "'", "POST / HTTP/1.1\r\n" + h + "Content-Length: " + cl + "\r\n\r\nhello");
  // Transfer-Encoding that does not end in chunked, or repeats it.
  for (std::string te : {"gzip", "identity", "chunked, gzip", "chunked, chunked", "chunkedchunked", "chunked;q=1",
                         "\"chunked\"", "chunk", "x-chunked", ""})
    add("bad Transfer-Encoding '" + te + "'", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: " + te + "\r\n\r\n0\r\n\r\n");
  add("TE split over fields, chunked first",
      "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n");
  // Bad chunk sizes and framing.
  const std::string ch = "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n";
  for (std::string body : {"g\r\n", "-1\r\n", " 5\r\nhello\r\n0\r\n\r\n", "5 \r\nhello\r\n0\r\n\r\n", "0x5\r\nhello\r\n",
                           "5\r\nhelloXX0\r\n\r\n", "5\nhello\r\n0\r\n\r\n", "ffffffffffffffffff\r\n", "5;\r\nhello\r\n",
                           "5; a=b\r\nhello\r\n", "5;a=\"x\r\nhello\r\n", "5\r\nhello\r\n0\r\nBad Trailer: x\r\n\r\n"})
    add_body("bad chunk framing '" + std::string(body.substr(0, 12)) + "'", ch + body);
  // obs-fold, whitespace before the colon, leading whitespace.
  add("obs-fold SP", "GET / HTTP/1.1\r\n" + h + "X-A: a\r\n b\r\n\r\n");
  add("obs-fold HTAB", "GET / HTTP/1.1\r\n" + h + "X-A: a\r\n\tb\r\n\r\n");
  add("obs-fold hiding Content-Length", "POST / HTTP/1.1\r\n" + h + "X-A: a\r\n Content-Length: 5\r\n\r\nhello");
  add("space before colon", "GET / HTTP/1.1\r\nHost : example.com\r\n\r\n");
  add("tab before colon", "GET / HTTP/1.1\r\n" + h + "X-A\t: a\r\n\r\n");
  add("space before colon on Content-Length", "POST / HTTP/1.1\r\n" + h + "Content-Length : 5\r\n\r\nhello");
  add("space before colon on Transfer-Encoding", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n");
  add("leading space on first field", "GET / HTTP/1.1\r\n Host: example.com\r\n\r\n");
  // Bare CR and bare LF.
  add("bare CR in value", "GET / HTTP/1.1\r\n" + h + "X-A: a\rb\r\n\r\n");
  add("bare LF after value", "GET / HTTP/1.1\r\n" + h + "X-A: a\nX-B: b\r\n\r\n");
  add("bare LF after start line", "GET / HTTP/1.1\n" + h + "\r\n");
  add("bare LF ending the head", "GET / HTTP/1.1\r\n" + h + "\n");
  add("CR CR LF", "GET / HTTP/1.1\r\r\n" + h + "\r\n");
  add("bare CR ending the head", "GET / HTTP/1.1\r\n" + h + "\rX");
  // Invalid bytes in names and values; NUL.
  add("NUL in value", std::string("GET / HTTP/1.1\r\n") + h + std::string("X-A: a\0b\r\n\r\n", 12));
  add("NUL in name", std::string("GET / HTTP/1.1\r\n") + h + std::string("X\0A: a\r\n\r\n", 10));
  add("DEL in value", "GET / HTTP/1.1\r\n" + h + "X-A: a\x7f\r\n\r\n");
  add("control in value", "GET / HTTP/1.1\r\n" + h + "X-A: a\x01\r\n\r\n");
  add("escape in value", "GET / HTTP/1.1\r\n" + h + "X-A: \x1b[31m\r\n\r\n");
  for (std::string name : {"X(A)", "X A", "X/A", "X@A", "X\"A", "X{A}", "X\xc3\xa9", "[X]", "X,A", "X=A", ":X"})
    add("bad name '" + name + "'", "GET / HTTP/1.1\r\n" + h + name + ": v\r\n\r\n");
  add("empty name", "GET / HTTP/1.1\r\n" + h + ": v\r\n\r\n");
  add("no colon", "GET / HTTP/1.1\r\n" + h + "NoColon\r\n\r\n");
  // Start line: methods, targets, versions.
  for (std::string m : {"get", "Get", "FOO", "G ET", "GE\tT", "GET\x01", "", "PRI"})
    add("bad method '" + m + "'", m + " / HTTP/1.1\r\n" + h + "\r\n");
  for (std::string t : {"/a b", "/a\tb", "/\x01", "/\x7f", "/caf\xc3\xa9", "", "nohost", "http:/x"})
    add("bad target '" + t + "'", "GET " + t + " HTTP/1.1\r\n" + h + "\r\n");
  for (std::string ver : {"HTTP/1.2", "HTTP/3.0", "HTTP/11", "HTTP/1.1 ", "http/1.1", "HTTP/1", "HTTP/1.1.1", "HTTP/01.1",
                          "HTTP/1,1", "HTTPS/1.1"})
    add("bad version '" + ver + "'", "GET / " + ver + "\r\n" + h + "\r\n");
  add("two spaces after method", "GET  / HTTP/1.1\r\n" + h + "\r\n");
  add("two spaces after target", "GET /  HTTP/1.1\r\n" + h + "\r\n");
  add("CONNECT to a path", "CONNECT /x HTTP/1.1\r\n" + h + "\r\n");
  // Host rules (stricter than Node, on purpose).
  add("no Host on 1.1", "GET / HTTP/1.1\r\n\r\n");
  add("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  add("two identical Hosts", "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n");
  add("Host list", "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n");
  add("Host userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n");
  add("Host path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n");
  add("Host empty", "GET / HTTP/1.1\r\nHost: \r\n\r\n");
  add("Host bad port", "GET / HTTP/1.1\r\nHost: a:b\r\n\r\n");
  add("asterisk with GET", "GET * HTTP/1.1\r\n" + h + "\r\n");
  // Limits.
  add("head too large", "GET / HTTP/1.1\r\n" + h + "X-Big: " + std::string(20000, 'a') + "\r\n\r\n", "431");
  add("too many bytes of fields", "GET / HTTP/1.1\r\n" + h + [] {
    std::string s;
    for (int i = 0; i < 3000; ++i) s += "X-" + std::to_string(i) + ": v\r\n";
    return s;
  }() + "\r\n", "431");
  add_body("chunk extensions too long", ch + "1;" + std::string(20000, 'e') + "\r\nx\r\n0\r\n\r\n", "413");
  return v;
}

}  // namespace

TEST_CASE("hostile requests are refused; no handler's answer ever goes out for one", "[security]") {
  std::atomic<int> handled{0};
  test::running_server s([&](incoming_message& req, server_response& res) -> awaitable<void> {
    ++handled;
    std::string body;
    co_await req.read_all(body, 1 << 20);
    co_await res.end("handled " + std::string(req.url()));
  });
  auto cases = hostile_cases();
  std::size_t refused = 0;
  for (auto& c : cases) {
    for (int split = 0; split < 3; ++split) {
      INFO(c.name << " (split mode " << split << ")");
      const int before = handled;
      test::raw_client client(s.port());
      if (split == 0) {
        client.send(c.bytes);
      } else if (split == 1) {
        // Every byte its own write (the first 600 bytes; then the rest at once).
        std::size_t n = std::min<std::size_t>(c.bytes.size(), 600);
        for (std::size_t i = 0; i < n && !client.eof(); ++i) {
          try {
            client.send(c.bytes.substr(i, 1));
          } catch (...) {
            break;  // the server already closed: it answered early
          }
        }
        try {
          if (n < c.bytes.size()) client.send(c.bytes.substr(n));
        } catch (...) {
        }
      } else {
        // Three writes, cut at the line ends nearest a third and two thirds.
        auto cut1 = c.bytes.find('\n', c.bytes.size() / 3);
        auto cut2 = c.bytes.find('\n', 2 * c.bytes.size() / 3);
        std::vector<std::size_t> cuts{0};
        if (cut1 != std::string::npos) cuts.push_back(cut1 + 1);
        if (cut2 != std::string::npos && cut2 + 1 > cuts.back()) cuts.push_back(cut2 + 1);
        cuts.push_back(c.bytes.size());
        for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
          try {
            client.send(c.bytes.substr(cuts[k], cuts[k + 1] - cuts[k]));
          } catch (...) {
            break;
          }
          std::this_thread::sleep_for(2ms);
        }
      }
      CHECK(client.closed_within(3000));
      const std::string& got = client.received();
      CHECK(got.substr(0, 12) == "HTTP/1.1 " + c.status);
      CHECK(got.find("Connection: close") != std::string::npos);
      CHECK(got.find("handled") == std::string::npos);
      if (!c.in_body) CHECK(handled == before);
      refused += got.starts_with("HTTP/1.1 " + c.status) && got.find("handled") == std::string::npos;
    }
  }
  std::size_t head_cases = 0;
  for (auto& c : cases) head_cases += !c.in_body;
  std::cout << "security: " << cases.size() << " hostile requests x 3 ways, " << refused << " of " << cases.size() * 3
            << " refused as expected; handler calls: " << handled << " (only for the "
            << cases.size() - head_cases << " whose head is valid and body is not)\n";
  CHECK(cases.size() >= 80);
  CHECK(refused == cases.size() * 3);
}

TEST_CASE("a refused request never desynchronises the requests before it", "[security]") {
  std::vector<std::string> seen;
  test::running_server s([&](incoming_message& req, server_response& res) -> awaitable<void> {
    seen.emplace_back(req.url());
    co_await res.end("ok");
  });
  test::raw_client c(s.port());
  c.send("GET /first HTTP/1.1\r\nHost: h\r\n\r\n"
         "POST /smuggle HTTP/1.1\r\nHost: h\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n"
         "0\r\n\r\nGET /hidden HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(c.closed_within(3000));
  CHECK(seen == std::vector<std::string>{"/first"});
  CHECK(c.received().find("HTTP/1.1 400 Bad Request") != std::string::npos);
}
