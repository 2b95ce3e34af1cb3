// The Node hello world, event style, with the spec's response.writeHead example:
//
//   http.createServer(function (request, response) {
//     response.writeHead(200, {'Content-Length': body.length, 'Content-Type': 'text/plain'});
//     response.end(body);
//   }).listen(port, host);
//
// Coroutine twin: examples/hello_server.cpp. Usage: hello_server [--port N] [--host H]
#include <corohttp/node/http.hpp>

#include <string>

#include "cli.hpp"

namespace node = corohttp::node;

int main(int argc, char** argv) {
  auto args = corohttp::examples::parse_listen_args(argc, argv);
  const std::string body = "Hello, World!";
  auto server = node::create_server([&body](node::incoming_message&, node::server_response& response) {
    response.write_head(200, {{"Content-Length", std::to_string(body.size())}, {"Content-Type", "text/plain"}});
    response.end(body);
  });
  corohttp::examples::listen_and_announce(server, args);
  node::run();
  return 0;
}
