// Compile-time benchmark: GET a URL and print status and body with corohttp.
#include <corohttp/request.hpp>

#include <iostream>

namespace http = corohttp;

http::awaitable<void> fetch(std::string url) {
  auto ex = co_await boost::asio::this_coro::executor;
  auto req = http::get(ex, url);
  auto res = co_await req.response();
  if (!res) {
    std::cerr << "error: " << res.ec.message() << "\n";
    co_return;
  }
  std::cout << res->status_code() << "\n" << co_await res->body();
}

int main(int argc, char** argv) {
  boost::asio::io_context io;
  boost::asio::co_spawn(io, fetch(argc > 1 ? argv[1] : "http://127.0.0.1:8080/"), boost::asio::detached);
  io.run();
}
