#include <corohttp/corohttp.hpp>

#include <iostream>

namespace http = corohttp;

http::awaitable<void> fetch(std::string url) {
  auto ex = co_await boost::asio::this_coro::executor;
  http::request_options opt;
  opt.method = "POST";
  opt.headers = {{"Content-Type", "text/plain"}};
  auto req = http::request(ex, url, opt);
  co_await req.end("hello");
  auto res = co_await req.response();  // an error_code (refused, reset, timeout...) or the response
  if (!res) {
    std::cerr << "error: " << res.ec.message() << "\n";
    co_return;
  }
  std::cout << res->status_code() << " " << res->headers().get("content-type").value_or("?") << "\n";
  std::cout << co_await res->body();  // throws on a broken body; read_all(out) returns an error_code
}

int main(int argc, char** argv) {
  boost::asio::io_context io;
  boost::asio::co_spawn(io, fetch(argc > 1 ? argv[1] : "http://127.0.0.1:8080/"), boost::asio::detached);
  io.run();
}
