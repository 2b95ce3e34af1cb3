// The spec's socket 'agentRemove' example, coroutine style: once the agent has given the request
// its socket, take that socket out of the pool (remove_from_agent()), so it neither counts against
// max_sockets nor goes back to the free list afterwards.
//   http.get(options, function (res) { ... }).on("socket", function (socket) { socket.emit("agentRemove"); });
// Event twin: examples/node/agent_remove.cpp. Usage: agent_remove URL
#include <corohttp/corohttp.hpp>

#include <boost/asio/co_spawn.hpp>

#include <cstdio>
#include <string>

namespace http = corohttp;

http::awaitable<int> fetch(std::string url) {
  auto ex = co_await boost::asio::this_coro::executor;
  auto req = http::get(ex, url);
  if (auto ec = co_await req.wait_socket()) {
    std::printf("error: %s\n", ec.message().c_str());
    co_return 1;
  }
  req.remove_from_agent();
  std::printf("sockets the agent counts after agentRemove: %zu\n", http::global_agent(ex).sockets().size());
  auto res = co_await req.response();
  if (!res) {
    std::printf("error: %s\n", res.ec.message().c_str());
    co_return 1;
  }
  std::printf("STATUS: %d\n", res->status_code());
  std::string ignored;
  co_await res->read_all(ignored);
  std::printf("free sockets in the agent afterwards: %zu\n", http::global_agent(ex).free_sockets().size());
  co_return 0;
}

int main(int argc, char** argv) {
  boost::asio::io_context io;
  int status = 1;
  boost::asio::co_spawn(io, fetch(argc > 1 ? argv[1] : "http://127.0.0.1:8080/"), [&](std::exception_ptr, int rc) { status = rc; });
  io.run();
  std::fflush(stdout);
  return status;
}
