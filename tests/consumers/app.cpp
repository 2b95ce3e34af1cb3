// The consumer tests' program: a corohttp server on 127.0.0.1:0 and one GET against it with the
// client; exits 0 when the body comes back as sent. Each consumer build compiles this file as it is.
#include <corohttp/corohttp.hpp>

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdio>
#include <string>

namespace http = corohttp;

namespace {

constexpr const char* expected = "hello from a corohttp consumer";

http::awaitable<void> handle(http::incoming_message&, http::server_response& res) {
  res.set_header("Content-Type", "text/plain");
  co_await res.end(expected);
}

http::awaitable<void> fetch(std::string url, int& status) {
  auto ex = co_await boost::asio::this_coro::executor;
  auto req = http::get(ex, url);
  auto res = co_await req.response();
  if (!res) {
    std::fprintf(stderr, "consumer: request failed: %s\n", res.ec.message().c_str());
    co_return;
  }
  std::string body = co_await res->body();
  if (res->status_code() == 200 && body == expected) status = 0;
  else std::fprintf(stderr, "consumer: got %d '%s'\n", static_cast<int>(res->status_code()), body.c_str());
}

}  // namespace

int main() {
  boost::asio::io_context io;
  http::server server(io, handle);
  if (auto ec = server.listen(0, "127.0.0.1")) {
    std::fprintf(stderr, "consumer: cannot listen: %s\n", ec.message().c_str());
    return 1;
  }
  int status = 1;
  boost::asio::steady_timer deadline(io, std::chrono::seconds(20));
  deadline.async_wait([&](boost::system::error_code ec) {
    if (!ec) std::fprintf(stderr, "consumer: timed out\n");
    io.stop();
  });
  std::string url = "http://127.0.0.1:" + std::to_string(server.address().port) + "/";
  boost::asio::co_spawn(io, fetch(url, status), [&](std::exception_ptr e) {
    if (e) std::fprintf(stderr, "consumer: the client threw\n");
    io.stop();
  });
  io.run();
  return status;
}
