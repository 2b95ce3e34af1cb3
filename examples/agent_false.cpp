// The spec's `agent: false` example, coroutine style: a connection of its own, no pooling, and
// `Connection: close`. Prints the status and the body.
//   http.get({hostname: 'localhost', port: 80, path: '/', agent: false}, function (res) { ... })
// Event twin: examples/node/agent_false.cpp. Usage: agent_false URL
#include <corohttp/corohttp.hpp>

#include <boost/asio/co_spawn.hpp>

#include <cstdio>
#include <string>

namespace http = corohttp;

http::awaitable<int> fetch(std::string url) {
  http::request_options options;
  options.no_agent = true;  // agent: false
  auto req = http::get(co_await boost::asio::this_coro::executor, url, options);
  auto res = co_await req.response();
  std::string body;
  auto ec = res ? co_await res->read_all(body) : res.ec;
  if (res) std::printf("STATUS: %d\n", res->status_code());
  if (ec) {
    std::printf("error: %s\n", ec.message().c_str());
    co_return 1;
  }
  std::printf("BODY: %s\n", body.c_str());
  co_return 0;
}

int main(int argc, char** argv) {
  boost::asio::io_context io;
  int status = 1;
  boost::asio::co_spawn(io, fetch(argc > 1 ? argv[1] : "http://localhost:80/"), [&](std::exception_ptr, int rc) { status = rc; });
  io.run();
  std::fflush(stdout);
  return status;
}
