// The spec's CONNECT example, event style: an HTTP tunnelling proxy, and a client that asks it for
// a tunnel to an origin server and sends a request through it.
//
//   var proxy = http.createServer(function (req, res) { ... res.end('okay'); });
//   proxy.on('connect', function(req, cltSocket, head) {
//     var srvUrl = url.parse('http://' + req.url);
//     var srvSocket = net.connect(srvUrl.port, srvUrl.hostname, function() {
//       cltSocket.write('HTTP/1.1 200 Connection Established\r\n' + 'Proxy-agent: Node.js-Proxy\r\n' + '\r\n');
//       srvSocket.write(head);
//       srvSocket.pipe(cltSocket);
//       cltSocket.pipe(srvSocket);
//     });
//   });
//   proxy.listen(1337, '127.0.0.1', function() {
//     var req = http.request({port: 1337, hostname: '127.0.0.1', method: 'CONNECT', path: 'www.google.com:80'});
//     req.end();
//     req.on('connect', function(res, socket, head) {
//       console.log('got connected!');
//       socket.write('GET / HTTP/1.1\r\n' + 'Host: www.google.com:80\r\n' + 'Connection: close\r\n' + '\r\n');
//       socket.on('data', function(chunk) { console.log(chunk.toString()); });
//       socket.on('end', function() { proxy.close(); });
//     });
//   });
//
// The origin is a local server here. Coroutine twin: examples/connect_proxy.cpp.
// Usage: connect_proxy --origin HOST:PORT [--port N] (default port 1337; 0 picks a free one)
#include <corohttp/node/http.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace node = corohttp::node;

int main(int argc, char** argv) {
  std::string origin = "127.0.0.1:8080";
  std::uint16_t port = 1337;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string arg = argv[i];
    if (arg == "--origin") origin = argv[i + 1];
    else if (arg == "--port") port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
  }

  // Create an HTTP tunneling proxy
  auto proxy = node::create_server([](node::incoming_message&, node::server_response& res) {
    res.write_head(200, {{"Content-Type", "text/plain"}});
    res.end("okay");
  });
  proxy.on("connect", [](node::incoming_message& req, node::socket& clt_socket, std::string_view head) {
    // connect to an origin server (req.url is "host:port")
    std::string target(req.url());
    auto colon = target.rfind(':');
    auto srv_port = static_cast<std::uint16_t>(std::atoi(target.c_str() + colon + 1));
    auto srv_socket = node::connect(srv_port, target.substr(0, colon));
    srv_socket.on("connect", [clt_socket, srv_socket, first = std::string(head)]() mutable {
      clt_socket.write("HTTP/1.1 200 Connection Established\r\nProxy-agent: Node.js-Proxy\r\n\r\n");
      srv_socket.write(first);
      srv_socket.pipe(clt_socket);
      clt_socket.pipe(srv_socket);
    });
  });

  // now that proxy is running
  proxy.listen(port, "127.0.0.1", [&] {
    // make a request to a tunneling proxy
    corohttp::request_options options;
    options.port = proxy.address().port;
    options.hostname = "127.0.0.1";
    options.method = "CONNECT";
    options.path = origin;
    auto req = node::request(options);
    req.end();
    req.on("connect", [&](node::incoming_message&, node::socket& socket, std::string_view) {
      std::printf("got connected!\n");
      // make a request over an HTTP tunnel
      socket.write("GET / HTTP/1.1\r\nHost: " + origin + "\r\nConnection: close\r\n\r\n");
      socket.on("data", [](std::string_view chunk) { std::printf("%.*s\n", static_cast<int>(chunk.size()), chunk.data()); });
      socket.on("end", [&] { proxy.close(); });
    });
  });
  node::run();
  std::fflush(stdout);
  return 0;
}
