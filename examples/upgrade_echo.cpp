// The spec's 'upgrade' example, coroutine style: a server whose on_upgrade answers 101 and echoes
// what it gets, and a client that asks it to upgrade, sends "hello" and prints the echo.
// Event twin (with the spec's code): examples/node/upgrade_echo.cpp.
// Usage: upgrade_echo [--port N] (default 1337; 0 picks a free one)
#include <corohttp/corohttp.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace http = corohttp;
namespace net = boost::asio;

http::awaitable<void> echo(http::incoming_message&, http::stream_socket& socket, std::string_view head) {
  std::string answer = "HTTP/1.1 101 Web Socket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\r\n";
  answer += head;
  auto [ec, n] = co_await net::async_write(socket, net::buffer(answer), net::as_tuple(net::use_awaitable));
  std::array<char, 16 * 1024> buf;
  while (!ec) {  // echo back until the client ends
    auto [rec, got] = co_await socket.async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
    if (got > 0) std::tie(ec, n) = co_await net::async_write(socket, net::buffer(buf.data(), got), net::as_tuple(net::use_awaitable));
    if (rec) break;
  }
}

http::awaitable<void> client(http::server& srv) {
  auto ex = co_await net::this_coro::executor;
  http::request_options options;
  options.port = srv.address().port;
  options.hostname = "127.0.0.1";
  options.headers = {{"Connection", "Upgrade"}, {"Upgrade", "websocket"}};
  auto req = http::request(ex, options);
  co_await req.end();
  auto up = co_await req.upgrade();
  if (up.ec || !up.socket) {
    std::printf("error: %s\n", up.ec.message().c_str());
    srv.close();
    co_return;
  }
  std::printf("got upgraded! (%d %s)\n", up.response->status_code(), std::string(up.response->status_message()).c_str());
  co_await net::async_write(*up.socket, net::buffer(std::string_view("hello")), net::as_tuple(net::use_awaitable));
  std::array<char, 64> buf;
  auto [ec, n] = co_await up.socket->async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
  std::printf("echo: %.*s\n", static_cast<int>(n), buf.data());
  boost::system::error_code ignored;
  up.socket->shutdown(net::socket_base::shutdown_send, ignored);
  srv.close();
}

int main(int argc, char** argv) {
  std::uint16_t port = 1337;
  if (argc > 2 && std::string(argv[1]) == "--port") port = static_cast<std::uint16_t>(std::atoi(argv[2]));
  net::io_context io;
  http::server srv(io, [](http::incoming_message&, http::server_response& res) -> http::awaitable<void> {
    res.write_head(200, {{"Content-Type", "text/plain"}});
    co_await res.end("okay");
  });
  srv.on_upgrade(echo);
  if (auto ec = srv.listen(port, "127.0.0.1")) {
    std::fprintf(stderr, "cannot listen: %s\n", ec.message().c_str());
    return 1;
  }
  net::co_spawn(io, client(srv), net::detached);
  io.run();
  std::fflush(stdout);
  return 0;
}
