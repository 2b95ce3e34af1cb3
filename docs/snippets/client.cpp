// The code shown in docs/client.md, verbatim (checked by tests/check_doc_snippets.py). Below the
// snippets, Catch2 cases run them against a corohttp server on 127.0.0.1 and check the results.
#include <corohttp/corohttp.hpp>

#include <catch2/catch.hpp>

#include <iostream>

namespace http = corohttp;

// --- snippets ------------------------------------------------------------------------------------

http::awaitable<std::string> fetch_text(std::string url) {
  auto ex = co_await boost::asio::this_coro::executor;
  auto req = http::get(ex, url);      // ended already: a GET has no body
  auto res = co_await req.response();
  if (!res) throw boost::system::system_error(res.ec);  // refused, reset, timed out, bad URL...
  if (res->status_code() != 200) throw std::runtime_error("HTTP " + std::to_string(res->status_code()));
  co_return co_await res->body(1 << 20);  // throws past 1 MiB or on a broken body
}

http::awaitable<boost::system::error_code> upload_lines(std::uint16_t port, std::vector<std::string> lines) {
  auto ex = co_await boost::asio::this_coro::executor;
  http::request_options opt;
  opt.hostname = "127.0.0.1";
  opt.port = port;
  opt.method = "POST";
  opt.path = "/lines?from=docs";
  opt.headers = {{"Content-Type", "text/plain"}};
  auto req = http::request(ex, opt);
  for (auto& line : lines)  // no Content-Length: the body goes out chunked
    if (auto ec = co_await req.write(line + "\n")) co_return ec;
  if (auto ec = co_await req.end()) co_return ec;
  auto res = co_await req.response();
  if (!res) co_return res.ec;
  std::string answer;
  co_return co_await res->read_all(answer);
}

http::awaitable<int> put_if_welcome(std::uint16_t port, std::string body) {
  auto ex = co_await boost::asio::this_coro::executor;
  http::request_options opt;
  opt.hostname = "127.0.0.1";
  opt.port = port;
  opt.method = "PUT";
  opt.headers = {{"Expect", "100-continue"}, {"Content-Length", std::to_string(body.size())}};
  auto req = http::request(ex, opt);
  if (auto ec = co_await req.wait_continue()) {  // sends the head, waits for "100 Continue"
    auto res = co_await req.response();  // the server answered without asking for the body
    co_return res ? res->status_code() : -1;
  }
  (void)co_await req.end(body);
  auto res = co_await req.response();
  co_return res ? res->status_code() : -1;
}

http::awaitable<std::size_t> fetch_many(std::uint16_t port) {
  auto ex = co_await boost::asio::this_coro::executor;
  http::agent_options ao;
  ao.keep_alive = true;  // sockets go back to the pool after each response
  ao.max_sockets = 2;    // per host:port; further requests wait their turn
  http::agent pool(ex, ao);
  std::size_t bytes = 0;
  for (int i = 0; i < 5; ++i) {
    http::request_options opt;
    opt.hostname = "127.0.0.1";
    opt.port = port;
    opt.path = "/item/" + std::to_string(i);
    opt.agent = &pool;
    auto req = http::get(ex, opt);
    auto res = co_await req.response();
    if (!res) co_return bytes;
    bytes += (co_await res->body()).size();
  }
  co_return bytes;
}

http::awaitable<boost::system::error_code> give_up_after(std::string url, std::chrono::milliseconds limit) {
  auto ex = co_await boost::asio::this_coro::executor;
  http::request_options opt;
  opt.timeout = limit;  // idle time on the socket, as Node's timeout option
  auto req = http::get(ex, url, opt);
  auto res = co_await req.response();
  if (!res) co_return res.ec;  // http::error::socket_timeout when the server stays silent
  std::string body;
  co_return co_await res->read_all(body);
}

void print_error(const boost::system::error_code& ec) {
  if (ec == boost::asio::error::connection_refused) std::cerr << "nobody listens there\n";
  else if (ec == http::error::socket_hang_up) std::cerr << "the server closed without answering\n";
  else if (ec.category() == http::error_category())  // ours: Node's code name and message
    std::cerr << http::error_name(ec) << ": " << ec.message() << "\n";
  else std::cerr << ec.message() << "\n";  // the system's, or Asio's resolver's
}

// --- checks ---------------------------------------------------------------------------------------

namespace {

http::awaitable<void> reply_with_path(http::incoming_message& req, http::server_response& res) {
  std::string body;
  (void)co_await req.read_all(body);
  if (req.url().starts_with("/slow")) {
    boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, std::chrono::seconds(5));
    co_await t.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
  res.set_header("X-Body-Bytes", std::to_string(body.size()));
  res.set_header("X-Framing", req.get_header("transfer-encoding").value_or("length"));
  co_await res.end(std::string(req.method()) + " " + std::string(req.url()));
}

template <class T>
T run(http::request_handler handler, std::function<http::awaitable<T>(std::uint16_t)> client,
      std::function<void(http::server&)> setup = {}) {
  boost::asio::io_context io;
  http::server server(io, std::move(handler));
  if (setup) setup(server);
  REQUIRE(!server.listen(0, "127.0.0.1"));
  std::optional<T> out;
  std::exception_ptr failure;
  boost::asio::co_spawn(io, client(server.address().port), [&](std::exception_ptr e, T r) {
    failure = e;
    if (!e) out = std::move(r);
    server.close();
    server.close_all_connections();
    http::global_agent(io.get_executor()).destroy();
  });
  io.run_for(std::chrono::seconds(10));
  if (failure) std::rethrow_exception(failure);
  REQUIRE(out);
  return *out;
}

}  // namespace

TEST_CASE("docs/client: fetch_text", "[docs]") {
  auto text = run<std::string>(reply_with_path, [](std::uint16_t port) {
    return fetch_text("http://127.0.0.1:" + std::to_string(port) + "/hello?x=1#frag");
  });
  CHECK(text == "GET /hello?x=1");
}

TEST_CASE("docs/client: fetch_text throws on a refused port", "[docs]") {
  // A port that was just free: listen, read the port, close.
  boost::asio::io_context probe;
  boost::asio::ip::tcp::acceptor a(probe, {boost::asio::ip::make_address("127.0.0.1"), 0});
  auto port = a.local_endpoint().port();
  a.close();
  CHECK_THROWS_AS(run<std::string>(reply_with_path,
                                   [port](std::uint16_t) { return fetch_text("http://127.0.0.1:" + std::to_string(port) + "/"); }),
                  boost::system::system_error);
}

TEST_CASE("docs/client: upload_lines streams a chunked body", "[docs]") {
  std::string framing, bytes;
  auto ec = run<boost::system::error_code>(
      [&](http::incoming_message& req, http::server_response& res) -> http::awaitable<void> {
        framing = req.get_header("transfer-encoding").value_or("");
        bytes = co_await req.body();
        co_await res.end();
      },
      [](std::uint16_t port) { return upload_lines(port, {"one", "two", "three"}); });
  CHECK(!ec);
  CHECK(framing == "chunked");
  CHECK(bytes == "one\ntwo\nthree\n");
}

TEST_CASE("docs/client: put_if_welcome", "[docs]") {
  SECTION("the server says continue") {
    auto status = run<int>(reply_with_path, [](std::uint16_t port) { return put_if_welcome(port, "payload"); });
    CHECK(status == 200);
  }
  SECTION("the server refuses before the body") {
    auto status = run<int>(
        reply_with_path, [](std::uint16_t port) { return put_if_welcome(port, "payload"); },
        [](http::server& s) {
          s.on_check_continue([](http::incoming_message&, http::server_response& res) -> http::awaitable<void> {
            res.status_code = 403;
            res.set_header("Connection", "close");
            co_await res.end();
          });
        });
    CHECK(status == 403);
  }
}

TEST_CASE("docs/client: fetch_many through a pool of two sockets", "[docs]") {
  std::size_t connections = 0;
  auto bytes = run<std::size_t>(reply_with_path, [](std::uint16_t port) { return fetch_many(port); },
                                [&](http::server& s) { s.on_connection([&](http::stream_socket&) { ++connections; }); });
  CHECK(bytes == 5 * std::string("GET /item/0").size());
  CHECK(connections == 1);  // one keep-alive socket served all five, one after the other
}

TEST_CASE("docs/client: give_up_after", "[docs]") {
  auto ec = run<boost::system::error_code>(reply_with_path, [](std::uint16_t port) {
    return give_up_after("http://127.0.0.1:" + std::to_string(port) + "/slow", std::chrono::milliseconds(200));
  });
  CHECK(ec == http::error::socket_timeout);
  print_error(ec);
}
