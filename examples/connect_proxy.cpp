// The spec's CONNECT example, coroutine style: an HTTP tunnelling proxy (on_connect connects to the
// origin, answers 200 Connection Established and copies bytes both ways), and a client that asks
// it for a tunnel and sends a request through it, printing what comes back. The origin is a local
// server here. Event twin (with the spec's code): examples/node/connect_proxy.cpp.
// Usage: connect_proxy --origin HOST:PORT [--port N] (default port 1337; 0 picks a free one)
#include <corohttp/corohttp.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace http = corohttp;
namespace net = boost::asio;
using net::ip::tcp;

// Copies from `from` to `to` until `from` ends, then ends `to` (half-close), like Node's pipe().
template <class From, class To>
http::awaitable<void> pipe(From& from, To& to) {
  std::array<char, 16 * 1024> buf;
  for (;;) {
    auto [ec, n] = co_await from.async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
    if (n > 0) {
      auto [wec, w] = co_await net::async_write(to, net::buffer(buf.data(), n), net::as_tuple(net::use_awaitable));
      if (wec) break;
    }
    if (ec) break;
  }
  boost::system::error_code ignored;
  to.shutdown(net::socket_base::shutdown_send, ignored);
}

// The proxy's 'connect': req.url() is "host:port".
http::awaitable<void> tunnel(http::incoming_message& req, http::stream_socket& client, std::string_view head) {
  std::string target(req.url());
  auto colon = target.rfind(':');
  auto ex = co_await net::this_coro::executor;
  tcp::resolver resolver(ex);
  auto [rec, endpoints] = co_await resolver.async_resolve(target.substr(0, colon), target.substr(colon + 1),
                                                          net::as_tuple(net::use_awaitable));
  if (rec) co_return;
  auto origin = std::make_shared<tcp::socket>(ex);
  auto [cec, ep] = co_await net::async_connect(*origin, endpoints, net::as_tuple(net::use_awaitable));
  if (cec) co_return;
  std::string answer = "HTTP/1.1 200 Connection Established\r\nProxy-agent: corohttp-proxy\r\n\r\n";
  co_await net::async_write(client, net::buffer(answer), net::as_tuple(net::use_awaitable));
  co_await net::async_write(*origin, net::buffer(head), net::as_tuple(net::use_awaitable));
  // Both directions at once; the connection (and `client`) lives until this handler returns.
  bool upstream_done = false;
  auto done = std::make_shared<http::detail::async_event>(ex);
  net::co_spawn(ex, pipe(client, *origin), [&upstream_done, done, origin](std::exception_ptr) {
    upstream_done = true;
    done->set();
  });
  co_await pipe(*origin, client);
  while (!upstream_done) co_await done->wait();
}

http::awaitable<void> client(http::server& proxy, std::string origin) {
  auto ex = co_await net::this_coro::executor;
  http::request_options options;
  options.port = proxy.address().port;
  options.hostname = "127.0.0.1";
  options.method = "CONNECT";
  options.path = origin;
  auto req = http::request(ex, options);
  co_await req.end();
  auto up = co_await req.connect();
  if (up.ec || !up.socket) {
    std::printf("error: %s\n", up.ec.message().c_str());
    proxy.close();
    co_return;
  }
  std::printf("got connected!\n");
  // make a request over an HTTP tunnel
  std::string get = "GET / HTTP/1.1\r\nHost: " + origin + "\r\nConnection: close\r\n\r\n";
  co_await net::async_write(*up.socket, net::buffer(get), net::as_tuple(net::use_awaitable));
  std::array<char, 16 * 1024> buf;
  for (;;) {
    auto [ec, n] = co_await up.socket->async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
    if (n > 0) std::printf("%.*s\n", static_cast<int>(n), buf.data());
    if (ec) break;
  }
  proxy.close();
}

int main(int argc, char** argv) {
  std::string origin = "127.0.0.1:8080";
  std::uint16_t port = 1337;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string arg = argv[i];
    if (arg == "--origin") origin = argv[i + 1];
    else if (arg == "--port") port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
  }
  net::io_context io;
  http::server proxy(io, [](http::incoming_message&, http::server_response& res) -> http::awaitable<void> {
    res.write_head(200, {{"Content-Type", "text/plain"}});
    co_await res.end("okay");
  });
  proxy.on_connect(tunnel);
  if (auto ec = proxy.listen(port, "127.0.0.1")) {
    std::fprintf(stderr, "cannot listen: %s\n", ec.message().c_str());
    return 1;
  }
  net::co_spawn(io, client(proxy, origin), net::detached);
  io.run();
  std::fflush(stdout);
  return 0;
}
