// The spec's keep-alive Agent example, event style:
//
//   var keepAliveAgent = new http.Agent({ keepAlive: true });
//   options.agent = keepAliveAgent;
//   http.request(options, onResponseCallback);
//
// Two requests one after the other through the agent: the second one reuses the first one's
// socket. Coroutine twin: examples/keepalive_agent.cpp. Usage: keepalive_agent URL
#include <corohttp/node/http.hpp>

#include <cstdio>
#include <functional>

namespace node = corohttp::node;

int main(int argc, char** argv) {
  corohttp::request_options options;
  if (auto ec = corohttp::parse_url(argc > 1 ? argv[1] : "http://127.0.0.1:8080/", options)) {
    std::printf("error: %s\n", ec.message().c_str());
    return 1;
  }
  node::agent keep_alive_agent({.keep_alive = true});
  options.agent = &keep_alive_agent;
  int status = 0;
  std::function<void(int)> send = [&](int n) {
    auto req = node::request(options);
    req.on("response", [&, n, req](node::incoming_message& res) {
      std::printf("request %d: STATUS %d, reusedSocket %s\n", n, res.status_code(), req.reused_socket() ? "true" : "false");
      res.resume();
      res.on("end", [&, n] {
        if (n < 2) send(n + 1);
        else keep_alive_agent.destroy();  // done with it: close the pooled socket
      });
    });
    req.on("error", [&](boost::system::error_code e) {
      std::printf("error: %s\n", e.message().c_str());
      status = 1;
    });
    req.end();
  };
  send(1);
  node::run();
  std::fflush(stdout);
  return status;
}
