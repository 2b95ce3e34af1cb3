// The server seen from a raw socket: Node's http.Server behaviours, one by one.
#include <corohttp/server.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <sys/un.h>

#include "server_fixture.hpp"

using namespace corohttp;
using namespace std::chrono_literals;
using test::raw_client;
using test::running_server;

namespace {

awaitable<void> hello(incoming_message&, server_response& res) {
  res.set_header("Content-Type", "text/plain");
  co_await res.end("Hello, World!");
}

const std::string get_req = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

}  // namespace

TEST_CASE("listen on port 0 and report the address", "[server]") {
  running_server s(hello);
  CHECK(s.port() != 0);
  auto a = s.on_server([&] { return s.get().address(); });
  CHECK(a.address == "127.0.0.1");
  CHECK(a.family == "IPv4");
  CHECK(s.on_server([&] { return s.get().listening(); }));
}

TEST_CASE("hello world, as Node sends it", "[server]") {
  running_server s(hello);
  raw_client c(s.port());
  c.send(get_req);
  auto r = c.read_responses(1);
  REQUIRE(r.size() == 1);
  CHECK(r[0].status == 200);
  CHECK(r[0].reason == "OK");
  CHECK(r[0].body == "Hello, World!");
  // Node's order: the handler's fields, then Date, Connection, Keep-Alive, then the framing.
  REQUIRE(r[0].headers.size() == 5);
  CHECK(r[0].headers[0].first == "Content-Type");
  CHECK(r[0].headers[1].first == "Date");
  CHECK(r[0].headers[1].second.size() == 29);
  CHECK(r[0].headers[2] == std::pair<std::string, std::string>{"Connection", "keep-alive"});
  CHECK(r[0].headers[3] == std::pair<std::string, std::string>{"Keep-Alive", "timeout=5"});
  CHECK(r[0].headers[4] == std::pair<std::string, std::string>{"Content-Length", "13"});
}

TEST_CASE("the request as the handler sees it", "[server]") {
  std::string seen;
  running_server s([&](incoming_message& req, server_response& res) -> awaitable<void> {
    std::string body;
    auto ec = co_await req.read_all(body);
    seen = std::string(req.method()) + " " + std::string(req.url()) + " " + std::string(req.http_version()) + " " +
           std::string(req.headers().get("x-multi").value_or("?")) + " " + std::to_string(req.raw_headers().size()) + " " + body +
           " " + (ec ? ec.message() : "ok") + " " + (req.complete() ? "complete" : "incomplete");
    co_await res.end();
  });
  raw_client c(s.port());
  c.send("POST /path?q=1 HTTP/1.1\r\nHost: h\r\nX-Multi: a\r\nx-multi: b\r\nContent-Length: 4\r\n\r\nbody");
  REQUIRE(c.read_responses(1).size() == 1);
  CHECK(seen == "POST /path?q=1 1.1 a, b 8 body ok complete");
}

TEST_CASE("chunked request bodies stream with their trailers", "[server]") {
  std::vector<std::string> chunks;
  std::string trailer;
  running_server s([&](incoming_message& req, server_response& res) -> awaitable<void> {
    while (auto c = co_await req.read()) chunks.emplace_back(*c);
    trailer = std::string(req.trailers().get("x-sum").value_or("none")) + "/" + std::to_string(req.raw_trailers().size());
    co_await res.end();
  });
  raw_client c(s.port());
  c.send("PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
  std::this_thread::sleep_for(50ms);
  c.send("2;ext=1\r\nde\r\n0\r\nX-Sum: 5\r\n\r\n");
  REQUIRE(c.read_responses(1).size() == 1);
  std::string all;
  for (auto& ch : chunks) all += ch;
  CHECK(all == "abcde");
  CHECK(chunks.size() >= 2);
  CHECK(trailer == "5/2");
}

TEST_CASE("read_all stops at its limit", "[server]") {
  boost::system::error_code got;
  running_server s([&](incoming_message& req, server_response& res) -> awaitable<void> {
    std::string body;
    got = co_await req.read_all(body, 10);
    res.status_code = 413;
    co_await res.end(std::to_string(body.size()));
  });
  raw_client c(s.port());
  c.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 20\r\n\r\n01234567890123456789");
  auto r = c.read_responses(1);
  REQUIRE(r.size() == 1);
  CHECK(r[0].status == 413);
  CHECK(r[0].body == "10");
  CHECK(got == error::body_too_large);
}

TEST_CASE("set_encoding decodes the body", "[server]") {
  std::string text;
  running_server s([&](incoming_message& req, server_response& res) -> awaitable<void> {
    CHECK(req.set_encoding("nonsense") == error::unknown_encoding);
    REQUIRE_FALSE(req.set_encoding("hex"));
    while (auto c = co_await req.read()) text += *c;
    co_await res.end();
  });
  raw_client c(s.port());
  c.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n\x01\xff" "A");
  REQUIRE(c.read_responses(1).size() == 1);
  CHECK(text == "01ff41");
}

TEST_CASE("write() streams chunked; end(data) alone sets Content-Length", "[server]") {
  running_server s([&](incoming_message& req, server_response& res) -> awaitable<void> {
    if (req.url() == "/stream") {
      co_await res.write("hello ");
      co_await res.write("");  // nothing: no empty chunk that would end the body
      co_await res.write("world");
      co_await res.end();
    } else {
      co_await res.end("whole");
    }
  });
  raw_client c(s.port());
  c.send("GET /stream HTTP/1.1\r\nHost: h\r\n\r\nGET /whole HTTP/1.1\r\nHost: h\r\n\r\n");
  auto r = c.read_responses(2);
  REQUIRE(r.size() == 2);
  CHECK(r[0].framing == body_framing::chunked);
  CHECK(r[0].body == "hello world");
  CHECK(test::header_of(r[0], "transfer-encoding") == "chunked");
  CHECK(r[1].framing == body_framing::length);
  CHECK(test::header_of(r[1], "content-length") == "5");
}

TEST_CASE("HTTP/1.0: close-delimited when the length is unknown", "[server]") {
  running_server s([&](incoming_message&, server_response& res) -> awaitable<void> {
    co_await res.write("part1 ");
    co_await res.end("part2");
  });
  raw_client c(s.port());
  c.send("GET / HTTP/1.0\r\n\r\n");
  CHECK(c.closed_within(2000));
  auto r = c.read_responses(1);
  REQUIRE(r.size() == 1);
  CHECK(r[0].body == "part1 part2");
  CHECK(test::header_of(r[0], "connection") == "close");
  CHECK_FALSE(test::has_header(r[0], "transfer-encoding"));
}

TEST_CASE("HTTP/1.0 keep-alive works when the length is known", "[server]") {
  running_server s(hello);
  raw_client c(s.port());
  c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  auto r = c.read_responses(1);
  REQUIRE(r.size() == 1);
  CHECK(test::header_of(r[0], "connection") == "keep-alive");
  c.send("GET / HTTP/1.0\r\n\r\n");
  CHECK(c.closed_within(2000));
}

TEST_CASE("no body for HEAD, 204 and 304", "[server]") {
  running_server s([&](incoming_message& req, server_response& res) -> awaitable<void> {
    if (req.url() == "/204") res.status_code = 204;
    if (req.url() == "/304") res.status_code = 304;
    co_await res.end("ignored body");
  });
  raw_client c(s.port());
  c.send("HEAD / HTTP/1.1\r\nHost: h\r\n\r\nGET /204 HTTP/1.1\r\nHost: h\r\n\r\nGET /304 HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
  std::string all = c.read_for(500);
  // The last response's body is the only body on the wire.
  CHECK(all.find("ignored body") == all.rfind("ignored body"));
  CHECK(all.find("HTTP/1.1 204 No Content\r\n") != std::string::npos);
  CHECK(all.find("HTTP/1.1 304 Not Modified\r\n") != std::string::npos);
  auto first_response_end = all.find("\r\n\r\n");
  CHECK(all.substr(first_response_end + 4, 8) == "HTTP/1.1");
}

TEST_CASE("header API: set, get, has, remove, names; locked once sent", "[server]") {
  std::atomic<bool> done{false};
  running_server s([&](incoming_message&, server_response& res) -> awaitable<void> {
    CHECK_FALSE(res.set_header("X-One", "1"));
    CHECK_FALSE(res.set_header("X-Many", {"a", "b"}));
    CHECK_FALSE(res.set_header("Content-Type", "text/html"));
    CHECK(res.set_header("Bad Name", "x") == error::invalid_http_token);
    CHECK(res.set_header("X-Evil", "a\r\nInjected: 1") == error::invalid_char);
    CHECK(res.get_header("x-one") == "1");
    CHECK(res.has_header("X-MANY"));
    CHECK(res.get_header_values("x-many").size() == 2);
    CHECK_FALSE(res.remove_header("x-one"));
    CHECK_FALSE(res.has_header("x-one"));
    CHECK(res.get_header_names() == std::vector<std::string>{"x-many", "content-type"});
    CHECK_FALSE(res.headers_sent());
    co_await res.write("x");
    CHECK(res.headers_sent());
    CHECK(res.set_header("X-Late", "1") == error::headers_sent);
    co_await res.end();
    CHECK(res.finished());
    CHECK(co_await res.write("more") == error::write_after_end);
    done = true;
  });
  raw_client c(s.port());
  c.send(get_req);
  auto r = c.read_responses(1);
  REQUIRE(r.size() == 1);
  for (int i = 0; i < 200 && !done; ++i) std::this_thread::sleep_for(5ms);
  CHECK(done);
  CHECK(test::header_of(r[0], "x-many") == "a");
  int many = 0;
  for (auto& h : r[0].headers) many += h.first == "X-Many";
  CHECK(many == 2);
  CHECK_FALSE(test::has_header(r[0], "x-one"));
  CHECK(c.received().find("Injected") == std::string::npos);
}

TEST_CASE("res.finished(): false until end(), true from then on", "[server]") {
  // Node's response.finished (writableEnded).
  std::atomic<int> seen{0};  // one bit per observation, in order
  running_server s([&](incoming_message&, server_response& res) -> awaitable<void> {
    if (!res.finished()) seen |= 1;
    co_await res.write("part ");
    if (!res.finished()) seen |= 2;
    auto ec = co_await res.end("done");
    if (!ec && res.finished()) seen |= 4;
    auto again = co_await res.end("ignored");  // a second end() changes nothing
    if (!again && res.finished()) seen |= 8;
  });
  raw_client c(s.port());
  c.send(get_req);
  auto r = c.read_responses(1);
  REQUIRE(r.size() == 1);
  CHECK(r[0].body == "part done");
  for (int i = 0; i < 200 && seen != 15; ++i) std::this_thread::sleep_for(5ms);
  CHECK(seen == 15);
}

TEST_CASE("write_head with a status message and fields; sendDate off", "[server]") {
  running_server s([&](incoming_message&, server_response& res) -> awaitable<void> {
    res.send_date = false;
    CHECK(res.write_head(299, "Custom Reason", {{"X-A", "1"}}) == boost::system::error_code{});
    CHECK(res.write_head(200) == error::headers_sent);
    co_await res.end("x");
  });
  raw_client c(s.port());
  c.send(get_req);
  auto r = c.read_responses(1);
  REQUIRE(r.size() == 1);
  CHECK(r[0].status == 299);
  CHECK(r[0].reason == "Custom Reason");
  CHECK(test::header_of(r[0], "x-a") == "1");
  CHECK_FALSE(test::has_header(r[0], "date"));
  // A status without a standard phrase gets Node's "unknown".
  running_server s2([&](incoming_message&, server_response& res) -> awaitable<void> {
    res.status_code = 599;
    co_await res.end();
  });
  raw_client c2(s2.port());
  c2.send(get_req);
  auto r2 = c2.read_responses(1);
  REQUIRE(r2.size() == 1);
  CHECK(r2[0].reason == "unknown");
}

TEST_CASE("trailers after a chunked body", "[server]") {
  running_server s([&](incoming_message&, server_response& res) -> awaitable<void> {
    res.set_header("Trailer", "Content-MD5");
    co_await res.write("data");
    CHECK_FALSE(res.add_trailers({{"Content-MD5", "7895bf4b8828b55ceaf47747b4bca667"}}));
    CHECK(res.add_trailers({{"Bad\r\n", "x"}}) == error::invalid_http_token);
    co_await res.end();
  });
  raw_client c(s.port());
  c.send(get_req);
  auto r = c.read_responses(1);
  REQUIRE(r.size() == 1);
  CHECK(r[0].body == "data");
  REQUIRE(r[0].trailers.size() == 1);
  CHECK(r[0].trailers[0].second == "7895bf4b8828b55ceaf47747b4bca667");
}

TEST_CASE("Expect: 100-continue is answered before the body is sent", "[server]") {
  running_server s([&](incoming_message& req, server_response& res) -> awaitable<void> {
    std::string body;
    co_await req.read_all(body);
    co_await res.end(body);
  });
  raw_client c(s.port());
  c.send("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  std::string first = c.read_for(500);
  CHECK(first == "HTTP/1.1 100 Continue\r\n\r\n");
  c.send("hello");
  auto r = c.read_responses(1);
  REQUIRE(r.size() == 1);
  CHECK(r[0].body == "hello");
}

TEST_CASE("checkContinue decides instead, and can refuse", "[server]") {
  bool request_called = false;
  running_server s(
      [&](incoming_message&, server_response& res) -> awaitable<void> {
        request_called = true;
        co_await res.end();
      },
      {}, [](server& srv) {
        srv.on_check_continue([](incoming_message&, server_response& res) -> awaitable<void> {
          res.status_code = 417;
          co_await res.end("no");
        });
      });
  raw_client c(s.port());
  c.send("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  auto r = c.read_responses(1);
  REQUIRE(r.size() == 1);
  CHECK(r[0].status == 417);
  CHECK_FALSE(request_called);
}

TEST_CASE("an unknown expectation gets 417", "[server]") {
  running_server s(hello);
  auto out = test::exchange_raw(s.port(), "GET / HTTP/1.1\r\nHost: h\r\nExpect: magic\r\n\r\n");
  CHECK(out.starts_with("HTTP/1.1 417 Expectation Failed\r\n"));
}

TEST_CASE("a throwing handler gets 500 and the server lives on", "[server]") {
  running_server s([&](incoming_message& req, server_response& res) -> awaitable<void> {
    if (req.url() == "/throw") throw std::runtime_error("boom");
    if (req.url() == "/throw-late") {
      co_await res.write("partial");
      throw std::runtime_error("late boom");
    }
    co_await res.end("fine");
  });
  {
    raw_client c(s.port());
    c.send("GET /throw HTTP/1.1\r\nHost: h\r\n\r\n");
    auto r = c.read_responses(1);
    REQUIRE(r.size() == 1);
    CHECK(r[0].status == 500);
    CHECK(test::header_of(r[0], "connection") == "close");
    CHECK(c.closed_within(2000));
  }
  {
    raw_client c(s.port());
    c.send("GET /throw-late HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(c.closed_within(2000));
    CHECK(c.received().find("partial") != std::string::npos);
    auto r = c.read_responses(1);
    CHECK(r.empty());  // the chunked body never ended: the client sees the close
  }
  raw_client c(s.port());
  c.send(get_req);
  auto r = c.read_responses(1);
  REQUIRE(r.size() == 1);
  CHECK(r[0].body == "fine");
}

TEST_CASE("a handler that returns without end() has its response ended", "[server]") {
  running_server s([&](incoming_message&, server_response& res) -> awaitable<void> {
    res.status_code = 202;
    co_return;
  });
  raw_client c(s.port());
  c.send(get_req + get_req);
  auto r = c.read_responses(2);
  REQUIRE(r.size() == 2);
  CHECK(r[0].status == 202);
  CHECK(r[1].status == 202);
}

TEST_CASE("pipelined requests are answered in order, in one write", "[server]") {
  std::atomic<int> n{0};
  running_server s([&](incoming_message& req, server_response& res) -> awaitable<void> {
    ++n;
    co_await res.end(std::string(req.url()));
  });
  std::string many;
  for (int i = 0; i < 100; ++i) many += "GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n";
  raw_client c(s.port());
  c.send(many);
  auto r = c.read_responses(100);
  REQUIRE(r.size() == 100);
  for (int i = 0; i < 100; ++i) CHECK(r[static_cast<std::size_t>(i)].body == "/" + std::to_string(i));
  CHECK(n == 100);
}

TEST_CASE("pipelined responses leave together", "[server]") {
  running_server s(hello);
  std::string three = get_req + get_req + get_req;
  raw_client c(s.port());
  c.send(three);
  // All three answers arrive in the first read: they were written with one send.
  std::this_thread::sleep_for(100ms);
  char buf[65536];
  ssize_t got = ::recv(c.fd(), buf, sizeof buf, MSG_DONTWAIT);
  REQUIRE(got > 0);
  std::string first(buf, static_cast<std::size_t>(got));
  std::size_t count = 0;
  for (std::size_t at = 0; (at = first.find("Hello, World!", at)) != std::string::npos; ++at) ++count;
  CHECK(count == 3);
}

TEST_CASE("an unread request body is drained, never read as a request", "[server]") {
  std::vector<std::string> urls;
  running_server s([&](incoming_message& req, server_response& res) -> awaitable<void> {
    urls.emplace_back(req.url());
    co_await res.end();
  });
  const std::string smuggled = "GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n";
  char size_hex[16];
  std::snprintf(size_hex, sizeof size_hex, "%zx", smuggled.size());
  raw_client c(s.port());
  c.send("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled +
         "POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + size_hex + "\r\n" + smuggled +
         "\r\n0\r\n\r\n"
         "GET /c HTTP/1.1\r\nHost: h\r\n\r\n");
  auto r = c.read_responses(3);
  REQUIRE(r.size() == 3);
  CHECK(urls == std::vector<std::string>{"/a", "/b", "/c"});
}

TEST_CASE("a long unread body closes the connection instead", "[server]") {
  server_options opt;
  opt.max_drain_size = 1000;
  running_server s([&](incoming_message&, server_response& res) -> awaitable<void> { co_await res.end("early"); }, opt);
  raw_client c(s.port());
  c.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n" + std::string(5000, 'x'));
  auto r = c.read_responses(1);
  REQUIRE(r.size() == 1);
  CHECK(r[0].body == "early");
  CHECK(c.closed_within(2000));
}

TEST_CASE("client errors get Node's answers and close", "[server]") {
  running_server s([](incoming_message& req, server_response& res) -> awaitable<void> {
    std::string body;
    if (co_await req.read_all(body)) co_return;
    co_await res.end("read it all");
  });
  CHECK(test::exchange_raw(s.port(), "GET / HTTP/1.1\r\nHost : h\r\n\r\n") ==
        "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  CHECK(test::exchange_raw(s.port(), "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(17000, 'a') + "\r\n\r\n") ==
        "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n");
  CHECK(test::exchange_raw(s.port(), "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;" +
                                         std::string(17000, 'a') + "\r\n") ==
        "HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n");
  CHECK(test::exchange_raw(s.port(), "FOO / HTTP/1.1\r\nHost: h\r\n\r\n") ==
        "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  // A bad body after a good head: 400 as well, the handler's response never started.
  CHECK(test::exchange_raw(s.port(), "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
            .starts_with("HTTP/1.1 "));
}

TEST_CASE("Host rules: exactly one valid Host on HTTP/1.1 (stricter than Node)", "[server]") {
  running_server s(hello);
  auto status = [&](std::string req) {
    auto out = test::exchange_raw(s.port(), req);
    return out.substr(0, 12);
  };
  CHECK(status("GET / HTTP/1.1\r\n\r\n") == "HTTP/1.1 400");
  CHECK(status("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == "HTTP/1.1 400");
  CHECK(status("GET / HTTP/1.1\r\nHost: a, b\r\n\r\n") == "HTTP/1.1 400");
  CHECK(status("GET / HTTP/1.1\r\nHost: user@a\r\n\r\n") == "HTTP/1.1 400");
  CHECK(status("GET / HTTP/1.1\r\nHost: a/path\r\n\r\n") == "HTTP/1.1 400");
  CHECK(status("GET / HTTP/1.1\r\nHost:\r\n\r\n") == "HTTP/1.1 400");
  CHECK(status("GET / HTTP/1.1\r\nHost: a:99999999\r\n\r\n") == "HTTP/1.1 400");
  CHECK(status("GET * HTTP/1.1\r\nHost: a\r\n\r\n") == "HTTP/1.1 400");
  CHECK(status("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n") == "HTTP/1.1 200");
  CHECK(status("GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n") == "HTTP/1.1 200");
  CHECK(status("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n") == "HTTP/1.1 200");
  CHECK(status("GET / HTTP/1.0\r\n\r\n") == "HTTP/1.1 200");
}

TEST_CASE("clientError handler replaces the default", "[server]") {
  std::string seen;
  running_server s(hello, {}, [&](server& srv) {
    srv.on_client_error([&](boost::system::error_code ec, stream_socket& sock) -> awaitable<void> {
      seen = std::string(error_name(ec));
      static const std::string answer = "HTTP/1.1 400 Custom\r\nConnection: close\r\n\r\n";
      co_await boost::asio::async_write(sock, boost::asio::buffer(answer), boost::asio::use_awaitable);
    });
  });
  auto out = test::exchange_raw(s.port(), "GET / HTTP/1.1\r\nBad Header: x\r\n\r\n");
  CHECK(out == "HTTP/1.1 400 Custom\r\nConnection: close\r\n\r\n");
  CHECK(seen == "HPE_INVALID_HEADER_TOKEN");
}

TEST_CASE("keep_alive_timeout closes an idle connection", "[server][timeout]") {
  server_options opt;
  opt.keep_alive_timeout = 300ms;
  running_server s(hello, opt);
  raw_client c(s.port());
  c.send(get_req);
  auto r = c.read_responses(1);
  REQUIRE(r.size() == 1);
  CHECK(test::header_of(r[0], "keep-alive") == "timeout=0");
  auto t0 = std::chrono::steady_clock::now();
  CHECK(c.closed_within(3000));
  auto waited = std::chrono::steady_clock::now() - t0;
  CHECK(waited >= 200ms);
}

TEST_CASE("headers_timeout answers 408 to a slow head", "[server][timeout]") {
  server_options opt;
  opt.headers_timeout = 300ms;
  running_server s(hello, opt);
  raw_client c(s.port());
  c.send("GET / HTTP/1.1\r\nHost: h\r\n");
  CHECK(c.closed_within(3000));
  CHECK(c.received() == "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n");
}

TEST_CASE("request_timeout answers 408 to a slow body", "[server][timeout]") {
  server_options opt;
  opt.request_timeout = 300ms;
  running_server s([&](incoming_message& req, server_response& res) -> awaitable<void> {
    std::string body;
    co_await req.read_all(body);
    co_await res.end(body);
  }, opt);
  raw_client c(s.port());
  c.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc");
  CHECK(c.closed_within(3000));
  CHECK(c.received() == "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n");
}

TEST_CASE("server timeout: idle sockets are destroyed, or handed to the hook", "[server][timeout]") {
  server_options opt;
  opt.timeout = 200ms;
  opt.keep_alive_timeout = 0ms;
  opt.headers_timeout = 0ms;
  running_server s(hello, opt);
  raw_client c(s.port());
  CHECK(c.closed_within(3000));

  std::atomic<int> hooked{0};
  running_server s2(hello, opt, [&](server& srv) {
    srv.set_timeout(200ms, [&](stream_socket&) { ++hooked; });
  });
  raw_client c2(s2.port());
  CHECK_FALSE(c2.closed_within(700));
  CHECK(hooked >= 1);
}

TEST_CASE("a handler that never responds is cancelled by the socket timeout", "[server][timeout]") {
  server_options opt;
  opt.timeout = 200ms;
  std::atomic<bool> cancelled{false};
  running_server s([&](incoming_message&, server_response&) -> awaitable<void> {
    boost::asio::steady_timer forever(co_await boost::asio::this_coro::executor, std::chrono::hours(1));
    auto [ec] = co_await forever.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    cancelled = ec == boost::asio::error::operation_aborted;
  }, opt);
  raw_client c(s.port());
  c.send(get_req);
  CHECK(c.closed_within(3000));
  std::this_thread::sleep_for(50ms);
  CHECK(cancelled);
  CHECK(s.on_server([&] { return s.get().connections(); }) == 0);
}

TEST_CASE("max_requests_per_socket closes after the last one", "[server]") {
  server_options opt;
  opt.max_requests_per_socket = 2;
  running_server s(hello, opt);
  raw_client c(s.port());
  c.send(get_req);
  auto r1 = c.read_responses(1);
  REQUIRE(r1.size() == 1);
  CHECK(test::header_of(r1[0], "keep-alive") == "timeout=5, max=2");
  c.send(get_req);
  CHECK(c.closed_within(2000));
  auto r = c.read_responses(2);
  REQUIRE(r.size() == 2);
  CHECK(test::header_of(r[1], "connection") == "close");
}

TEST_CASE("max_headers_count truncates what the handler sees", "[server]") {
  server_options opt;
  opt.max_headers_count = 3;
  std::size_t seen = 0;
  running_server s([&](incoming_message& req, server_response& res) -> awaitable<void> {
    seen = req.fields().size();
    co_await res.end();
  }, opt);
  raw_client c(s.port());
  c.send("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n");
  REQUIRE(c.read_responses(1).size() == 1);
  CHECK(seen == 3);
}

TEST_CASE("upgrade: the handler gets the socket and the bytes after the head", "[server]") {
  running_server s(hello, {}, [](server& srv) {
    srv.on_upgrade([](incoming_message& req, stream_socket& sock, std::string_view head) -> awaitable<void> {
      std::string answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n";
      answer += std::string(req.url()) + "|" + std::string(head);
      co_await boost::asio::async_write(sock, boost::asio::buffer(answer), boost::asio::use_awaitable);
      char buf[64];
      std::size_t n = co_await sock.async_read_some(boost::asio::buffer(buf), boost::asio::use_awaitable);
      co_await boost::asio::async_write(sock, boost::asio::buffer(buf, n), boost::asio::use_awaitable);
    });
  });
  raw_client c(s.port());
  c.send("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nearly");
  std::string got = c.read_for(300);
  CHECK(got.ends_with("\r\n\r\n/ws|early"));
  c.send("ping");
  CHECK(c.read_for(300) == "ping");
  CHECK(c.closed_within(2000));
}

TEST_CASE("upgrade after a pipelined request: the earlier response leaves first (fuzz_connection regression)", "[server]") {
  running_server s(hello, {}, [](server& srv) {
    srv.on_upgrade([](incoming_message&, stream_socket& sock, std::string_view head) -> awaitable<void> {
      std::string answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n";
      answer += head;
      co_await boost::asio::async_write(sock, boost::asio::buffer(answer), boost::asio::use_awaitable);
    });
  });
  raw_client c(s.port());
  // Both heads in one send: the 200 is held back (more requests are buffered) when the upgrade arrives.
  c.send(get_req + "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nearly");
  CHECK(c.closed_within(2000));
  const std::string got = c.received();
  const std::size_t ok = got.find("HTTP/1.1 200 OK\r\n"), switching = got.find("HTTP/1.1 101 Switching Protocols\r\n");
  REQUIRE(ok != std::string::npos);
  REQUIRE(switching != std::string::npos);
  CHECK(ok == 0);
  CHECK(switching > ok);
  CHECK(got.ends_with("\r\n\r\nearly"));
}

TEST_CASE("without a handler, CONNECT closes and Upgrade is an ordinary request (modern Node)", "[server]") {
  running_server s(hello);
  CHECK(test::exchange_raw(s.port(), "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n").empty());
  raw_client c(s.port());
  c.send("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n" + get_req);
  auto r = c.read_responses(2);
  REQUIRE(r.size() == 2);
  CHECK(r[0].body == "Hello, World!");
  CHECK(r[1].body == "Hello, World!");
}

TEST_CASE("a bad request after a finished response still gets its 400", "[server]") {
  running_server s(hello);
  raw_client c(s.port());
  c.send(get_req);
  REQUIRE(c.read_responses(1).size() == 1);
  c.send("GET /bad HTTP/1.1\r\nHost : x\r\n\r\n");
  CHECK(c.closed_within(2000));
  CHECK(c.received().ends_with("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"));
}

TEST_CASE("CONNECT goes to its handler", "[server]") {
  running_server s(hello, {}, [](server& srv) {
    srv.on_connect([](incoming_message& req, stream_socket& sock, std::string_view head) -> awaitable<void> {
      std::string answer = "HTTP/1.1 200 Connection Established\r\n\r\n" + std::string(req.url()) + "|" + std::string(head);
      co_await boost::asio::async_write(sock, boost::asio::buffer(answer), boost::asio::use_awaitable);
    });
  });
  auto out = test::exchange_raw(s.port(), "CONNECT db:5432 HTTP/1.1\r\nHost: db:5432\r\n\r\ntunnel");
  CHECK(out == "HTTP/1.1 200 Connection Established\r\n\r\ndb:5432|tunnel");
}

TEST_CASE("the connection hook sees every socket", "[server]") {
  std::atomic<int> seen{0};
  running_server s(hello, {}, [&](server& srv) { srv.on_connection([&](stream_socket&) { ++seen; }); });
  { raw_client a(s.port()); a.send(get_req); a.read_responses(1); }
  { raw_client b(s.port()); b.send(get_req); b.read_responses(1); }
  CHECK(seen == 2);
}

TEST_CASE("requests as an async generator", "[server]") {
  boost::asio::io_context io(1);
  server srv(io);
  REQUIRE_FALSE(srv.listen(0, "127.0.0.1"));
  auto port = srv.address().port;
  int served = 0;
  boost::asio::co_spawn(io, [&]() -> awaitable<void> {
    while (auto ex = co_await srv.next_request()) {
      ++served;
      co_await ex->response.end(std::string(ex->request.url()));
      if (served == 2) srv.close();
    }
  }, boost::asio::detached);
  std::thread t([&] { io.run_for(5s); });
  raw_client c(port);
  c.send("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
  auto r = c.read_responses(2);
  t.join();
  REQUIRE(r.size() == 2);
  CHECK(r[0].body == "/1");
  CHECK(r[1].body == "/2");
  CHECK(served == 2);
}

TEST_CASE("close(): in-flight requests finish, idle connections close, then closed()", "[server]") {
  boost::asio::io_context io(1);
  server srv(io, [](incoming_message&, server_response& res) -> awaitable<void> {
    boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, 200ms);
    co_await t.async_wait(boost::asio::use_awaitable);
    co_await res.end("slow but complete");
  });
  REQUIRE_FALSE(srv.listen(0, "127.0.0.1"));
  auto port = srv.address().port;
  bool closed = false;
  std::thread t([&] { io.run_for(10s); });
  raw_client idle(port);
  raw_client busy(port);
  busy.send(get_req);
  std::this_thread::sleep_for(50ms);
  boost::asio::post(io, [&] {
    srv.close();
    boost::asio::co_spawn(io, [&]() -> awaitable<void> {
      co_await srv.closed();
      closed = true;
      io.stop();
    }, boost::asio::detached);
  });
  CHECK(idle.closed_within(2000));
  auto r = busy.read_responses(1);
  REQUIRE(r.size() == 1);
  CHECK(r[0].body == "slow but complete");
  CHECK(test::header_of(r[0], "connection") == "close");
  CHECK(busy.closed_within(2000));
  t.join();
  CHECK(closed);
  // No new connections are accepted.
  CHECK_THROWS(raw_client(port));
}

TEST_CASE("close_idle_connections and close_all_connections", "[server]") {
  running_server s([](incoming_message&, server_response& res) -> awaitable<void> {
    boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, std::chrono::seconds(30));
    co_await t.async_wait(boost::asio::use_awaitable);
    co_await res.end();
  });
  raw_client idle(s.port());
  raw_client busy(s.port());
  busy.send(get_req);
  std::this_thread::sleep_for(100ms);
  s.on_server([&] { s.get().close_idle_connections(); return 0; });
  CHECK(idle.closed_within(2000));
  CHECK_FALSE(busy.closed_within(200));
  s.on_server([&] { s.get().close_all_connections(); return 0; });
  CHECK(busy.closed_within(2000));
}

TEST_CASE("listen on a UNIX socket and on an inherited handle", "[server]") {
  auto path = (std::filesystem::temp_directory_path() / ("corohttp-test-" + std::to_string(::getpid()) + ".sock")).string();
  std::filesystem::remove(path);
  boost::asio::io_context io(1);
  server srv(io, hello);
  REQUIRE_FALSE(srv.listen(std::string_view(path)));
  CHECK(srv.address().family == "unix");
  CHECK(srv.address().address == path);
  std::thread t([&] { io.run_for(5s); });
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  ::send(fd, get_req.data(), get_req.size(), 0);
  char buf[4096];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  REQUIRE(n > 0);
  CHECK(std::string(buf, static_cast<std::size_t>(n)).find("Hello, World!") != std::string::npos);
  ::close(fd);
  boost::asio::post(io, [&] { srv.close(); srv.close_all_connections(); io.stop(); });
  t.join();
  std::filesystem::remove(path);

  // An already-bound socket.
  int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(lfd, reinterpret_cast<sockaddr*>(&in), sizeof in) == 0);
  boost::asio::io_context io2(1);
  server srv2(io2, hello);
  REQUIRE_FALSE(srv2.listen(native_listener{lfd}));
  auto port = srv2.address().port;
  CHECK(port != 0);
  std::thread t2([&] { io2.run_for(5s); });
  CHECK(test::exchange_raw(port, get_req, 300).find("Hello, World!") != std::string::npos);
  boost::asio::post(io2, [&] { srv2.close(); srv2.close_all_connections(); io2.stop(); });
  t2.join();
}

TEST_CASE("listen without a host is dual-stack", "[server]") {
  boost::asio::io_context io(1);
  server srv(io, hello);
  REQUIRE_FALSE(srv.listen(0));
  auto a = srv.address();
  CHECK((a.address == "::" || a.address == "0.0.0.0"));
  std::thread t([&] { io.run_for(5s); });
  CHECK(test::exchange_raw(a.port, get_req, 300).find("Hello, World!") != std::string::npos);
  boost::asio::post(io, [&] { srv.close(); srv.close_all_connections(); io.stop(); });
  t.join();
}

TEST_CASE("finish and close are awaitable; per-response timeouts call their hook", "[server][timeout]") {
  std::atomic<bool> finished{false}, closed{false}, hooked{false};
  running_server s([&](incoming_message& req, server_response& res) -> awaitable<void> {
    if (req.url() == "/finish") {
      auto ex = co_await boost::asio::this_coro::executor;
      boost::asio::co_spawn(ex, [&res, &finished]() -> awaitable<void> {
        co_await res.wait_finish();
        finished = true;
      }, boost::asio::detached);
      co_await res.end("done");
    } else if (req.url() == "/close") {
      co_await res.write("partial");
      co_await req.wait_close();  // the client hangs up
      closed = true;
    } else {
      res.set_timeout(150ms, [&] { hooked = true; });
      boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, 500ms);
      co_await t.async_wait(boost::asio::use_awaitable);
      co_await res.end("late but fine");
    }
  });
  {
    raw_client c(s.port());
    c.send("GET /finish HTTP/1.1\r\nHost: h\r\n\r\n");
    REQUIRE(c.read_responses(1).size() == 1);
    for (int i = 0; i < 100 && !finished; ++i) std::this_thread::sleep_for(5ms);
    CHECK(finished);
  }
  {
    raw_client c(s.port());
    c.send("GET /close HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(c.read_some(2000).find("partial") != std::string::npos);
  }  // the client closes here
  for (int i = 0; i < 200 && !closed; ++i) std::this_thread::sleep_for(5ms);
  CHECK(closed);
  {
    raw_client c(s.port());
    c.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");
    auto r = c.read_responses(1, 3000);
    REQUIRE(r.size() == 1);  // the hook replaced the default: the socket was not destroyed
    CHECK(r[0].body == "late but fine");
    CHECK(hooked);
  }
}
