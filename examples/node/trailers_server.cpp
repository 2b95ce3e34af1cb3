// The spec's addTrailers example, event style: a chunked response whose Content-MD5 comes as a trailer.
//
//   response.writeHead(200, {'Content-Type': 'text/plain', 'Trailer': 'Content-MD5'});
//   response.write(fileData);
//   response.addTrailers({'Content-MD5': "7895bf4b8828b55ceaf47747b4bca667"});
//   response.end();
//
// Coroutine twin: examples/trailers_server.cpp. Usage: trailers_server [--port N] [--host H]
#include <corohttp/node/http.hpp>

#include "cli.hpp"

namespace node = corohttp::node;

int main(int argc, char** argv) {
  auto args = corohttp::examples::parse_listen_args(argc, argv);
  auto server = node::create_server([](node::incoming_message&, node::server_response& response) {
    response.write_head(200, {{"Content-Type", "text/plain"}, {"Trailer", "Content-MD5"}});
    response.write("file data, streamed in chunks\n");
    response.add_trailers({{"Content-MD5", "7895bf4b8828b55ceaf47747b4bca667"}});
    response.end();
  });
  corohttp::examples::listen_and_announce(server, args);
  node::run();
  return 0;
}
