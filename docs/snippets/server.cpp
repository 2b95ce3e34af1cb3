// The code shown in docs/server.md, verbatim (tests/check_doc_snippets.py checks that every ```cpp
// block of docs/*.md appears in a file here). Below the snippets, Catch2 cases run them against
// corohttp's own client on 127.0.0.1 and check what comes back.
#include <corohttp/corohttp.hpp>

#include <boost/asio/read.hpp>
#include <boost/asio/signal_set.hpp>

#include <catch2/catch.hpp>

#include <thread>
#include <vector>

namespace http = corohttp;

// --- snippets ------------------------------------------------------------------------------------

http::awaitable<void> count_bytes(http::incoming_message& req, http::server_response& res) {
  std::size_t total = 0;
  while (auto chunk = co_await req.read()) total += chunk->size();  // one chunk at a time
  if (req.error()) co_return;  // the client broke off mid-body: nobody is left to answer
  res.set_header("Content-Type", "text/plain");
  co_await res.end(std::to_string(total) + " bytes\n");
}

http::awaitable<void> echo_small(http::incoming_message& req, http::server_response& res) {
  std::string body;
  if (auto ec = co_await req.read_all(body, 64 * 1024)) {
    if (ec != http::error::body_too_large) co_return;  // the connection broke
    res.status_code = 413;
    res.set_header("Connection", "close");  // the rest of the body is not worth reading
    co_await res.end("64 KiB at most, please\n");
    co_return;
  }
  res.set_header("Content-Type", req.get_header("content-type").value_or("application/octet-stream"));
  co_await res.end(body);
}

http::awaitable<void> countdown(http::incoming_message&, http::server_response& res) {
  res.write_head(200, {{"Content-Type", "text/plain"}, {"Trailer", "X-Lines"}});
  for (int i = 3; i > 0; --i)
    if (auto ec = co_await res.write(std::to_string(i) + "...\n")) co_return;  // client gone
  res.add_trailers({{"X-Lines", "4"}});
  co_await res.end("liftoff\n");
}

http::awaitable<void> teapot(http::incoming_message& req, http::server_response& res) {
  if (req.method_id() != http::method::get) {
    res.write_head(405, {{"Allow", "GET"}});
    co_await res.end();
    co_return;
  }
  res.status_code = 418;
  res.status_message = "Short and Stout";
  res.set_header("Set-Cookie", {"a=1", "b=2"});  // two Set-Cookie lines
  co_await res.end("I'm a teapot\n");
}

int serve_until_signal() {
  boost::asio::io_context io;
  http::server_options opt;
  opt.keep_alive_timeout = std::chrono::seconds(10);
  opt.max_header_size = 8 * 1024;
  http::server server(io, count_bytes, opt);
  if (auto ec = server.listen(8080)) {  // "::" (dual stack) or 0.0.0.0
    std::fprintf(stderr, "listen: %s\n", ec.message().c_str());
    return 1;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { server.close(); });  // finish what runs, then stop
  io.run();
  return 0;
}

void serve_on_every_core(std::uint16_t port) {
  unsigned n = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < n; ++i)
    threads.emplace_back([port] {
      boost::asio::io_context io(1);  // one thread per io_context: no locks anywhere
      http::server_options opt;
      opt.reuse_port = true;          // the kernel spreads connections over the listeners
      http::server server(io, count_bytes, opt);
      if (!server.listen(port, "0.0.0.0")) io.run();
    });
  for (auto& t : threads) t.join();
}

http::awaitable<void> serve_in_order(http::server& server) {
  // A server made without a handler queues its requests; this loop takes them one by one.
  while (auto ex = co_await server.next_request()) {
    std::string body = co_await ex->request.body(1 << 20);
    co_await ex->response.end("got " + std::to_string(body.size()) + " bytes\n");
  }
}

void add_hooks(http::server& server) {
  // 'checkContinue': decide before the client sends its body.
  server.on_check_continue([](http::incoming_message& req, http::server_response& res) -> http::awaitable<void> {
    auto length = req.get_header("content-length");
    if (length && length->size() > 6) {  // a million bytes or more: refuse
      res.status_code = 413;
      co_await res.end();
      co_return;
    }
    co_await res.write_continue();
    co_await count_bytes(req, res);
  });
  // 'upgrade': the socket is ours now; here, a line-echo protocol.
  server.on_upgrade([](http::incoming_message&, http::stream_socket& socket,
                       std::string_view head) -> http::awaitable<void> {
    std::string greeting =
        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n" + std::string(head);
    co_await boost::asio::async_write(socket, boost::asio::buffer(greeting), boost::asio::use_awaitable);
    char data[1024];
    for (;;) {
      auto [ec, n] = co_await socket.async_read_some(boost::asio::buffer(data),
                                                     boost::asio::as_tuple(boost::asio::use_awaitable));
      if (ec) co_return;
      co_await boost::asio::async_write(socket, boost::asio::buffer(data, n), boost::asio::use_awaitable);
    }
  });
  // 'clientError': a request that broke the grammar. Answer it in your own words, or just close.
  server.on_client_error([](boost::system::error_code ec, http::stream_socket& socket) -> http::awaitable<void> {
    std::string answer = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: " +
                         std::to_string(ec.message().size()) + "\r\n\r\n" + ec.message();
    co_await boost::asio::async_write(socket, boost::asio::buffer(answer),
                                      boost::asio::as_tuple(boost::asio::use_awaitable));
  });
  // 'connection': every accepted socket, before a byte is read.
  server.on_connection([](http::stream_socket& socket) {
    socket.set_option(boost::asio::socket_base::keep_alive(true));
  });
}

http::awaitable<void> slow_report(http::incoming_message&, http::server_response& res) {
  res.set_timeout(std::chrono::seconds(30));  // this socket only; 0 turns it off
  res.set_header("Content-Type", "text/plain");
  if (auto ec = co_await res.write("working...\n")) co_return;  // the client is gone
  boost::asio::steady_timer pause(co_await boost::asio::this_coro::executor, std::chrono::milliseconds(50));
  co_await pause.async_wait(boost::asio::use_awaitable);
  co_await res.end("done\n");
}

// --- checks ---------------------------------------------------------------------------------------

namespace {

struct reply {
  boost::system::error_code ec;
  int status = 0;
  std::string status_message, body;
  http::header_map headers, trailers;
};

// One request with corohttp's client, the body given whole (or in `pieces`), run to its end.
http::awaitable<reply> ask(std::uint16_t port, std::string method, std::string path,
                           std::vector<std::string> pieces = {},
                           std::vector<std::pair<std::string, std::string>> headers = {}) {
  auto ex = co_await boost::asio::this_coro::executor;
  http::request_options opt;
  opt.hostname = "127.0.0.1";
  opt.port = port;
  opt.method = std::move(method);
  opt.path = std::move(path);
  opt.headers = std::move(headers);
  auto req = http::request(ex, opt);
  reply out;
  for (auto& p : pieces)
    if ((out.ec = co_await req.write(p))) co_return out;
  auto res = co_await req.response();
  if (!res) {
    out.ec = res.ec;
    co_return out;
  }
  out.status = res->status_code();
  out.status_message = std::string(res->status_message());
  out.ec = co_await res->read_all(out.body);
  out.headers = res->headers();
  out.trailers = res->trailers();
  co_return out;
}

// Runs `client` against a server with `handler` on 127.0.0.1, port 0, for at most 10 s.
template <class Setup>
reply exchange(http::request_handler handler, Setup setup,
               std::function<http::awaitable<reply>(std::uint16_t)> client) {
  boost::asio::io_context io;
  http::server server(io, std::move(handler));
  setup(server);
  REQUIRE(!server.listen(0, "127.0.0.1"));
  reply out;
  bool done = false;
  boost::asio::co_spawn(io, client(server.address().port), [&](std::exception_ptr e, reply r) {
    if (e) std::rethrow_exception(e);
    out = std::move(r);
    done = true;
    server.close();
    server.close_all_connections();
    http::global_agent(io.get_executor()).destroy();
  });
  io.run_for(std::chrono::seconds(10));
  REQUIRE(done);
  return out;
}
reply exchange(http::request_handler handler, std::function<http::awaitable<reply>(std::uint16_t)> client) {
  return exchange(std::move(handler), [](http::server&) {}, std::move(client));
}

}  // namespace

TEST_CASE("docs/server: count_bytes reads a streamed body chunk by chunk", "[docs]") {
  auto r = exchange(count_bytes, [](std::uint16_t port) {
    return ask(port, "POST", "/", {std::string(1000, 'a'), std::string(2345, 'b')});
  });
  CHECK(r.status == 200);
  CHECK(r.body == "3345 bytes\n");
}

TEST_CASE("docs/server: echo_small echoes, and answers 413 past its limit", "[docs]") {
  auto ok = exchange(echo_small, [](std::uint16_t port) {
    return ask(port, "PUT", "/", {"{\"a\":1}"}, {{"Content-Type", "application/json"}});
  });
  CHECK(ok.status == 200);
  CHECK(ok.body == "{\"a\":1}");
  CHECK(ok.headers.get("content-type") == "application/json");
  auto big = exchange(echo_small, [](std::uint16_t port) {
    return ask(port, "POST", "/", {std::string(65 * 1024, 'x')});
  });
  CHECK(big.status == 413);
  CHECK(big.body == "64 KiB at most, please\n");
  CHECK(big.headers.get("connection") == "close");
}

TEST_CASE("docs/server: countdown streams chunks and a trailer", "[docs]") {
  auto r = exchange(countdown, [](std::uint16_t port) { return ask(port, "GET", "/"); });
  CHECK(r.status == 200);
  CHECK(r.headers.get("transfer-encoding") == "chunked");
  CHECK(r.body == "3...\n2...\n1...\nliftoff\n");
  CHECK(r.trailers.get("x-lines") == "4");
}

TEST_CASE("docs/server: teapot's status, message and repeated header", "[docs]") {
  auto r = exchange(teapot, [](std::uint16_t port) { return ask(port, "GET", "/"); });
  CHECK(r.status == 418);
  CHECK(r.status_message == "Short and Stout");
  const auto* cookies = r.headers.find("set-cookie");
  REQUIRE(cookies);
  CHECK(cookies->values == std::vector<std::string>{"a=1", "b=2"});
  auto post = exchange(teapot, [](std::uint16_t port) { return ask(port, "POST", "/", {"x"}); });
  CHECK(post.status == 405);
  CHECK(post.headers.get("allow") == "GET");
}

TEST_CASE("docs/server: next_request serves a handler-less server", "[docs]") {
  boost::asio::io_context io;
  http::server server(io);
  REQUIRE(!server.listen(0, "127.0.0.1"));
  boost::asio::co_spawn(io, serve_in_order(server), boost::asio::detached);
  reply out;
  bool done = false;
  boost::asio::co_spawn(io, ask(server.address().port, "POST", "/", {"hello"}), [&](std::exception_ptr, reply r) {
    out = std::move(r);
    done = true;
    server.close();
    http::global_agent(io.get_executor()).destroy();
  });
  io.run_for(std::chrono::seconds(10));
  REQUIRE(done);
  CHECK(out.body == "got 5 bytes\n");
}

TEST_CASE("docs/server: the hooks", "[docs]") {
  SECTION("checkContinue lets a small body in") {
    auto r = exchange(count_bytes, add_hooks, [](std::uint16_t port) {
      return ask(port, "POST", "/", {"12345"}, {{"Expect", "100-continue"}, {"Content-Length", "5"}});
    });
    CHECK(r.status == 200);
    CHECK(r.body == "5 bytes\n");
  }
  SECTION("checkContinue refuses a large one") {
    auto r = exchange(count_bytes, add_hooks, [](std::uint16_t port) -> http::awaitable<reply> {
      auto ex = co_await boost::asio::this_coro::executor;
      http::request_options opt;
      opt.hostname = "127.0.0.1";
      opt.port = port;
      opt.method = "POST";
      opt.headers = {{"Expect", "100-continue"}, {"Content-Length", "5000000"}};
      auto req = http::request(ex, opt);
      (void)co_await req.flush_headers();
      auto res = co_await req.response();  // no 100: the final answer comes first
      reply out;
      if (res) out.status = res->status_code();
      else out.ec = res.ec;
      req.abort();
      co_return out;
    });
    CHECK(r.status == 413);
  }
  SECTION("clientError answers in its own words") {
    auto r = exchange(count_bytes, add_hooks, [](std::uint16_t port) -> http::awaitable<reply> {
      auto ex = co_await boost::asio::this_coro::executor;
      boost::asio::ip::tcp::socket s(ex);
      co_await s.async_connect({boost::asio::ip::make_address("127.0.0.1"), port}, boost::asio::use_awaitable);
      std::string bad = "GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n";
      co_await boost::asio::async_write(s, boost::asio::buffer(bad), boost::asio::use_awaitable);
      reply out;
      char buf[512];
      for (;;) {
        auto [ec, n] = co_await s.async_read_some(boost::asio::buffer(buf), boost::asio::as_tuple(boost::asio::use_awaitable));
        out.body.append(buf, n);
        if (ec) break;
      }
      co_return out;
    });
    CHECK(r.body.starts_with("HTTP/1.1 400 Bad Request\r\n"));
    CHECK(r.body.ends_with(http::make_error_code(http::error::invalid_header_token).message()));
  }
  SECTION("upgrade hands the socket over") {
    auto r = exchange(count_bytes, add_hooks, [](std::uint16_t port) -> http::awaitable<reply> {
      auto ex = co_await boost::asio::this_coro::executor;
      http::request_options opt;
      opt.hostname = "127.0.0.1";
      opt.port = port;
      opt.headers = {{"Connection", "Upgrade"}, {"Upgrade", "echo"}};
      auto req = http::request(ex, opt);
      auto up = co_await req.upgrade();
      reply out;
      out.ec = up.ec;
      if (up.ec) co_return out;
      out.status = up.response->status_code();
      co_await boost::asio::async_write(*up.socket, boost::asio::buffer("ping", 4), boost::asio::use_awaitable);
      char buf[4];
      co_await boost::asio::async_read(*up.socket, boost::asio::buffer(buf), boost::asio::use_awaitable);
      out.body.assign(buf, 4);
      co_return out;
    });
    CHECK(!r.ec);
    CHECK(r.status == 101);
    CHECK(r.body == "ping");
  }
}

TEST_CASE("docs/server: slow_report streams, then ends", "[docs]") {
  auto r = exchange(slow_report, [](std::uint16_t port) { return ask(port, "GET", "/"); });
  CHECK(r.status == 200);
  CHECK(r.body == "working...\ndone\n");
}
