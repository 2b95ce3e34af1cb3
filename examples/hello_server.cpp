// The Node hello world: every request gets 200, text/plain, "Hello, World!".
#include <corohttp/corohttp.hpp>

#include "common/cli.hpp"

namespace http = corohttp;

http::awaitable<void> hello(http::incoming_message&, http::server_response& res) {
  res.set_header("Content-Type", "text/plain");
  co_await res.end("Hello, World!");
}

int main(int argc, char** argv) {
  auto args = http::examples::parse_listen_args(argc, argv);
  boost::asio::io_context io(1);
  http::server server(io, hello);
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  if (!http::examples::listen_and_announce(io, server, args, signals)) return 1;
  io.run();
}
