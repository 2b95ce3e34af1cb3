// The spec's keep-alive Agent example, coroutine style: two requests one after the other through
// an agent with keep_alive; the second reuses the first one's socket.
//   var keepAliveAgent = new http.Agent({ keepAlive: true });
//   options.agent = keepAliveAgent;
//   http.request(options, onResponseCallback);
// Event twin: examples/node/keepalive_agent.cpp. Usage: keepalive_agent URL
#include <corohttp/corohttp.hpp>

#include <boost/asio/co_spawn.hpp>

#include <cstdio>
#include <string>

namespace http = corohttp;

http::awaitable<int> requests(std::string url) {
  auto ex = co_await boost::asio::this_coro::executor;
  http::agent keep_alive_agent(ex, {.keep_alive = true});
  http::request_options options;
  options.agent = &keep_alive_agent;
  for (int n = 1; n <= 2; ++n) {
    auto req = http::request(ex, url, options);
    auto res = co_await req.response();
    if (!res) {
      std::printf("error: %s\n", res.ec.message().c_str());
      co_return 1;
    }
    std::printf("request %d: STATUS %d, reusedSocket %s\n", n, res->status_code(), req.reused_socket() ? "true" : "false");
    std::string ignored;
    co_await res->read_all(ignored);  // the socket goes back to the agent once the body is read
  }
  co_return 0;
}

int main(int argc, char** argv) {
  boost::asio::io_context io;
  int status = 1;
  boost::asio::co_spawn(io, requests(argc > 1 ? argv[1] : "http://127.0.0.1:8080/"),
                        [&](std::exception_ptr, int rc) { status = rc; });
  io.run();
  std::fflush(stdout);
  return status;
}
