// http_get URL [-X METHOD] [-H 'Name: value']... [-d BODY]
// Makes one request with the global agent and prints one JSON object, as Node's http.get shows the
// response: {"statusCode", "statusMessage", "httpVersion", "headers", "rawHeaders", "trailers",
// "rawTrailers", "bodyBase64"}. On any error: "error: <message>" on stderr, exit 1.
#include <corohttp/corohttp.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <cstdio>
#include <string>

#include "common/json.hpp"

namespace http = corohttp;
namespace ex = corohttp::examples;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s URL [-X METHOD] [-H 'Name: value']... [-d BODY]\n", argv[0]);
    return 2;
  }
  std::string url = argv[1];
  http::request_options opt;
  std::string body;
  bool has_body = false;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-X" && i + 1 < argc) {
      opt.method = argv[++i];
    } else if (a == "-H" && i + 1 < argc) {
      std::string h = argv[++i];
      auto colon = h.find(':');
      if (colon == std::string::npos) {
        std::fprintf(stderr, "error: bad header '%s'\n", h.c_str());
        return 1;
      }
      opt.headers.emplace_back(h.substr(0, colon), std::string(http::ascii::trim_ows(std::string_view(h).substr(colon + 1))));
    } else if (a == "-d" && i + 1 < argc) {
      body = argv[++i];
      has_body = true;
    } else {
      std::fprintf(stderr, "error: unknown argument '%s'\n", a.c_str());
      return 1;
    }
  }

  boost::asio::io_context io(1);
  int status = 1;
  boost::asio::co_spawn(io, [&]() -> http::awaitable<void> {
    auto req = http::request(io.get_executor(), url, opt);
    if (has_body) {
      if (auto ec = co_await req.end(body)) {
        std::fprintf(stderr, "error: %s\n", ec.message().c_str());
        co_return;
      }
    }
    auto res = co_await req.response();
    if (!res) {
      std::fprintf(stderr, "error: %s\n", res.ec.message().c_str());
      co_return;
    }
    std::string data;
    if (auto ec = co_await res->read_all(data)) {
      std::fprintf(stderr, "error: %s\n", ec.message().c_str());
      co_return;
    }
    std::string out = "{\"statusCode\":" + std::to_string(res->status_code()) + ",\"statusMessage\":";
    ex::append_json_latin1(out, res->status_message());  // Node reads the reason phrase as latin-1
    ex::append_message_json(out, *res, data);
    out += "}\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    status = 0;
  }, boost::asio::detached);
  io.run();
  return status;
}
