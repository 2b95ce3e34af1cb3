// The spec's socket 'agentRemove' example, event style: take the request's socket out of the
// agent's pool (for a request meant to stay open long), so it neither counts against maxSockets
// nor goes back to the free list afterwards.
//
//   http.get(options, function (res) {
//     // Do stuff
//   }).on("socket", function (socket) {
//     socket.emit("agentRemove");
//   });
//
// Coroutine twin: examples/agent_remove.cpp. Usage: agent_remove URL
#include <corohttp/node/http.hpp>

#include <cstdio>

namespace node = corohttp::node;

int main(int argc, char** argv) {
  int status = 0;
  node::get(argc > 1 ? argv[1] : "http://127.0.0.1:8080/", [](node::incoming_message& res) {
    std::printf("STATUS: %d\n", res.status_code());
    res.resume();
    res.on("end", [] { std::printf("free sockets in the agent afterwards: %zu\n", node::global_agent().free_sockets().size()); });
  }).on("socket", [](node::socket& socket) {
    socket.emit("agentRemove");
    std::printf("sockets the agent counts after agentRemove: %zu\n", node::global_agent().sockets().size());
  }).on("error", [&status](boost::system::error_code e) {
    std::printf("error: %s\n", e.message().c_str());
    status = 1;
  });
  node::run();
  std::fflush(stdout);
  return status;
}
