// Compile-time benchmark: the same hello world on Boost.Beast with Asio coroutines, written the way
// Beast's own coroutine examples are: an accept loop, a session per connection, keep-alive.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace net = boost::asio;
namespace http = boost::beast::http;
using net::ip::tcp;

net::awaitable<void> session(boost::beast::tcp_stream stream) {
  boost::beast::flat_buffer buffer;
  try {
    for (;;) {
      http::request<http::string_body> req;
      co_await http::async_read(stream, buffer, req, net::use_awaitable);
      http::response<http::string_body> res{http::status::ok, req.version()};
      res.set(http::field::content_type, "text/plain");
      res.keep_alive(req.keep_alive());
      res.body() = "Hello, World!";
      res.prepare_payload();
      co_await http::async_write(stream, res, net::use_awaitable);
      if (!res.keep_alive()) break;
    }
  } catch (const boost::system::system_error&) {
  }
  boost::beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

net::awaitable<void> listen(tcp::endpoint where) {
  auto ex = co_await net::this_coro::executor;
  tcp::acceptor acceptor(ex, where);
  for (;;) {
    tcp::socket socket = co_await acceptor.async_accept(net::use_awaitable);
    net::co_spawn(ex, session(boost::beast::tcp_stream(std::move(socket))), net::detached);
  }
}

int main() {
  net::io_context io;
  net::co_spawn(io, listen({net::ip::make_address("127.0.0.1"), 8080}), net::detached);
  io.run();
}
