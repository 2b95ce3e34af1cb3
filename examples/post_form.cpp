// The spec's http.request() example: POST a form body and print what comes back.
//   post_form URL   (default http://127.0.0.1:8080/upload)
#include <corohttp/corohttp.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <cstdio>
#include <string>

#include "common/json.hpp"

namespace http = corohttp;

http::awaitable<int> post(std::string url) {
  const std::string post_data = "msg=Hello%20World!";  // querystring.stringify({msg: 'Hello World!'})
  http::request_options options;
  options.method = "POST";
  options.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Content-Length", std::to_string(post_data.size())}};
  auto req = http::request(co_await boost::asio::this_coro::executor, url, options);
  co_await req.write(post_data);  // write data to request body
  co_await req.end();
  auto res = co_await req.response();
  if (!res) {
    std::printf("problem with request: %s\n", res.ec.message().c_str());
    co_return 1;
  }
  std::printf("STATUS: %d\n", res->status_code());
  std::string headers;
  http::examples::append_json(headers, res->headers());
  std::printf("HEADERS: %s\n", headers.c_str());
  res->set_encoding("utf8");
  while (auto chunk = co_await res->read())
    std::printf("BODY: %.*s\n", static_cast<int>(chunk->size()), chunk->data());
  if (res->error()) {
    std::printf("problem with request: %s\n", res->error().message().c_str());
    co_return 1;
  }
  std::printf("No more data in response.\n");
  co_return 0;
}

int main(int argc, char** argv) {
  boost::asio::io_context io;
  int status = 1;
  boost::asio::co_spawn(io, post(argc > 1 ? argv[1] : "http://127.0.0.1:8080/upload"),
                        [&](std::exception_ptr, int rc) { status = rc; });
  io.run();
  std::fflush(stdout);
  return status;
}
