// Compile-time benchmark: the Node hello world on corohttp (one TU, everything a user writes).
#include <corohttp/server.hpp>

namespace http = corohttp;

http::awaitable<void> hello(http::incoming_message&, http::server_response& res) {
  res.set_header("Content-Type", "text/plain");
  co_await res.end("Hello, World!");
}

int main() {
  boost::asio::io_context io;
  http::server server(io, hello);
  server.listen(8080, "127.0.0.1");
  io.run();
}
