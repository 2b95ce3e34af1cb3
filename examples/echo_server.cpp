// Answers every request, after reading its whole body, with 200 and a JSON description of what
// the server saw: {"method", "url", "httpVersion", "headers", "rawHeaders", "trailers",
// "rawTrailers", "bodyBase64"}, the fields exactly as incoming_message exposes them (and as Node's
// IncomingMessage does). Bad requests get the server's default client-error handling.
#include <corohttp/corohttp.hpp>

#include "common/cli.hpp"
#include "common/json.hpp"

namespace http = corohttp;
namespace ex = corohttp::examples;

http::awaitable<void> echo(http::incoming_message& req, http::server_response& res) {
  std::string body;
  if (auto ec = co_await req.read_all(body)) co_return;  // the connection is gone or the body was bad
  std::string out = "{\"method\":";
  ex::append_json_string(out, req.method());
  out += ",\"url\":";
  ex::append_json_string(out, req.url());
  ex::append_message_json(out, req, body);
  out += "}";
  res.set_header("Content-Type", "application/json");
  co_await res.end(out);
}

int main(int argc, char** argv) {
  auto args = ex::parse_listen_args(argc, argv);
  boost::asio::io_context io(1);
  http::server server(io, echo);
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  if (!ex::listen_and_announce(io, server, args, signals)) return 1;
  io.run();
}
