// Compile-time benchmark: GET a URL and print status and body with Boost.Beast and Asio coroutines
// (URL split by hand: Beast has no URL parser; corohttp's TU includes one).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <iostream>
#include <string>

namespace net = boost::asio;
namespace http = boost::beast::http;
using net::ip::tcp;

net::awaitable<void> fetch(std::string url) {
  auto ex = co_await net::this_coro::executor;
  std::string rest = url.substr(url.find("://") + 3);
  std::string authority = rest.substr(0, rest.find('/'));
  std::string target = rest.size() > authority.size() ? rest.substr(authority.size()) : "/";
  std::string host = authority.substr(0, authority.find(':'));
  std::string port = authority.find(':') == std::string::npos ? "80" : authority.substr(authority.find(':') + 1);
  try {
    tcp::resolver resolver(ex);
    boost::beast::tcp_stream stream(ex);
    co_await stream.async_connect(co_await resolver.async_resolve(host, port, net::use_awaitable),
                                  net::use_awaitable);
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, authority);
    co_await http::async_write(stream, req, net::use_awaitable);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    co_await http::async_read(stream, buffer, res, net::use_awaitable);
    std::cout << res.result_int() << "\n" << res.body();
  } catch (const boost::system::system_error& e) {
    std::cerr << "error: " << e.code().message() << "\n";
  }
}

int main(int argc, char** argv) {
  net::io_context io;
  net::co_spawn(io, fetch(argc > 1 ? argv[1] : "http://127.0.0.1:8080/"), net::detached);
  io.run();
}
