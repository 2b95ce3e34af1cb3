// The spec's http.get() example, event style:
//
//   http.get("http://www.google.com/index.html", function(res) {
//     console.log("Got response: " + res.statusCode);
//   }).on('error', function(e) {
//     console.log("Got error: " + e.message);
//   });
//
// The body is resumed (read and dropped) so the socket goes back to the agent, as Node's docs
// advise. Coroutine twin: examples/http_get.cpp (which prints the whole response as JSON).
// Usage: http_get URL; exits 1 after "Got error".
#include <corohttp/node/http.hpp>

#include <cstdio>

namespace node = corohttp::node;

int main(int argc, char** argv) {
  int status = 0;
  node::get(argc > 1 ? argv[1] : "http://127.0.0.1:8080/index.html", [](node::incoming_message& res) {
    std::printf("Got response: %d\n", res.status_code());
    res.resume();
  }).on("error", [&status](boost::system::error_code e) {
    std::printf("Got error: %s\n", e.message().c_str());
    status = 1;
  });
  node::run();
  std::fflush(stdout);
  return status;
}
