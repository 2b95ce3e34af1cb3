// The spec's http.request() example, event style: POST a form body and print what comes back.
//
//   var req = http.request(options, function(res) {
//     console.log('STATUS: ' + res.statusCode);
//     console.log('HEADERS: ' + JSON.stringify(res.headers));
//     res.setEncoding('utf8');
//     res.on('data', function (chunk) { console.log('BODY: ' + chunk); });
//     res.on('end', function() { console.log('No more data in response.') })
//   });
//   req.on('error', function(e) { console.log('problem with request: ' + e.message); });
//   req.write(postData);
//   req.end();
//
// Coroutine twin: examples/post_form.cpp. Usage: post_form [URL] (default http://127.0.0.1:8080/upload)
#include <corohttp/node/http.hpp>

#include <cstdio>
#include <string>

#include "../common/json.hpp"

namespace node = corohttp::node;

int main(int argc, char** argv) {
  const std::string post_data = "msg=Hello%20World!";  // querystring.stringify({msg: 'Hello World!'})
  corohttp::request_options options;
  if (auto ec = corohttp::parse_url(argc > 1 ? argv[1] : "http://127.0.0.1:8080/upload", options)) {
    std::printf("problem with request: %s\n", ec.message().c_str());
    return 1;
  }
  options.method = "POST";
  options.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Content-Length", std::to_string(post_data.size())}};
  int status = 0;
  auto req = node::request(options, [](node::incoming_message& res) {
    std::printf("STATUS: %d\n", res.status_code());
    std::string headers;
    corohttp::examples::append_json(headers, res.headers());
    std::printf("HEADERS: %s\n", headers.c_str());
    res.set_encoding("utf8");
    res.on("data", [](std::string_view chunk) {
      std::printf("BODY: %.*s\n", static_cast<int>(chunk.size()), chunk.data());
    });
    res.on("end", [] { std::printf("No more data in response.\n"); });
  });
  req.on("error", [&status](boost::system::error_code e) {
    std::printf("problem with request: %s\n", e.message().c_str());
    status = 1;
  });
  req.write(post_data);  // write data to request body
  req.end();
  node::run();
  std::fflush(stdout);
  return status;
}
