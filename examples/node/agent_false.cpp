// The spec's `agent: false` example, event style: a connection of its own, no pooling, and
// `Connection: close`.
//
//   http.get({hostname: 'localhost', port: 80, path: '/',
//             agent: false  // create a new agent just for this one request
//            }, function (res) { /* Do stuff with response */ })
//
// Prints the status and the body (run it against examples/echo_server to see the request's
// `connection: close`). Coroutine twin: examples/agent_false.cpp. Usage: agent_false URL
#include <corohttp/node/http.hpp>

#include <cstdio>
#include <string>

namespace node = corohttp::node;

int main(int argc, char** argv) {
  corohttp::request_options options;
  if (auto ec = corohttp::parse_url(argc > 1 ? argv[1] : "http://localhost:80/", options)) {
    std::printf("error: %s\n", ec.message().c_str());
    return 1;
  }
  options.no_agent = true;  // agent: false
  int status = 0;
  std::string body;
  node::get(options, [&body](node::incoming_message& res) {
    std::printf("STATUS: %d\n", res.status_code());
    res.on("data", [&body](std::string_view chunk) { body += chunk; });
    res.on("end", [&body] { std::printf("BODY: %s\n", body.c_str()); });
  }).on("error", [&status](boost::system::error_code e) {
    std::printf("error: %s\n", e.message().c_str());
    status = 1;
  });
  node::run();
  std::fflush(stdout);
  return status;
}
