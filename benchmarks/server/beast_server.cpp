// Boost.Beast peer for the server benchmark: the hello world as Beast's awaitable examples write it
// (one coroutine per connection, a flat_buffer, request<empty_body>, response<string_body>).
//
//   beast_server [--port N]     prints "listening on http://127.0.0.1:PORT" once it accepts.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using net::ip::tcp;

namespace {

net::awaitable<void> serve(tcp::socket socket) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::empty_body> req;
    auto [ec, n] = co_await http::async_read(socket, buffer, req, net::as_tuple(net::use_awaitable));
    if (ec) co_return;
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::content_type, "text/plain");
    res.keep_alive(req.keep_alive());
    res.body() = "Hello, World!";
    res.prepare_payload();
    auto [wec, w] = co_await http::async_write(socket, res, net::as_tuple(net::use_awaitable));
    if (wec || !res.keep_alive()) co_return;
  }
}

net::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(net::as_tuple(net::use_awaitable));
    if (ec == net::error::operation_aborted) co_return;
    if (ec) continue;
    socket.set_option(tcp::no_delay(true), ec);
    net::co_spawn(acceptor.get_executor(), serve(std::move(socket)), net::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  unsigned short port = 0;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) port = static_cast<unsigned short>(std::atoi(argv[++i]));
  net::io_context io(1);
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  acceptor.listen(1024);
  std::printf("listening on http://127.0.0.1:%u\n", acceptor.local_endpoint().port());
  std::fflush(stdout);
  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { io.stop(); });
  net::co_spawn(io, accept_loop(acceptor), net::detached);
  io.run();
}
