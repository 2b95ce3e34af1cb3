// The spec's addTrailers example: a chunked response whose Content-MD5 arrives as a trailer.
//   response.writeHead(200, {'Content-Type': 'text/plain', 'Trailer': 'Content-MD5'});
//   response.write(fileData);
//   response.addTrailers({'Content-MD5': "7895bf4b8828b55ceaf47747b4bca667"});
//   response.end();
#include <corohttp/corohttp.hpp>

#include "common/cli.hpp"

namespace http = corohttp;

http::awaitable<void> serve(http::incoming_message&, http::server_response& res) {
  res.write_head(200, {{"Content-Type", "text/plain"}, {"Trailer", "Content-MD5"}});
  co_await res.write("file data, streamed in chunks\n");
  res.add_trailers({{"Content-MD5", "7895bf4b8828b55ceaf47747b4bca667"}});
  co_await res.end();
}

int main(int argc, char** argv) {
  auto args = http::examples::parse_listen_args(argc, argv);
  boost::asio::io_context io(1);
  http::server server(io, serve);
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  if (!http::examples::listen_and_announce(io, server, args, signals)) return 1;
  io.run();
}
