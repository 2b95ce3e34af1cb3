#include <corohttp/corohttp.hpp>

namespace http = corohttp;

http::awaitable<void> handle(http::incoming_message& req, http::server_response& res) {
  std::string body;
  co_await req.read_all(body, 1 << 20);  // the request body, up to 1 MiB
  res.set_header("Content-Type", "text/plain");
  co_await res.end("You sent " + std::to_string(body.size()) + " bytes to " + std::string(req.url()) + "\n");
}

int main() {
  boost::asio::io_context io;
  http::server server(io, handle);
  server.listen(8080, "127.0.0.1");
  io.run();
}
