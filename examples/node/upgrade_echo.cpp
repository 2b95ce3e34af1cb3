// The spec's 'upgrade' example, event style: a server that switches protocols and echoes what it
// gets, and a client that asks it to upgrade.
//
//   var srv = http.createServer(function (req, res) { ... res.end('okay'); });
//   srv.on('upgrade', function(req, socket, head) {
//     socket.write('HTTP/1.1 101 Web Socket Protocol Handshake\r\n' + 'Upgrade: WebSocket\r\n' +
//                  'Connection: Upgrade\r\n' + '\r\n');
//     socket.pipe(socket); // echo back
//   });
//   srv.listen(1337, '127.0.0.1', function() {
//     var req = http.request({port: 1337, hostname: '127.0.0.1',
//                             headers: {'Connection': 'Upgrade', 'Upgrade': 'websocket'}});
//     req.end();
//     req.on('upgrade', function(res, socket, upgradeHead) {
//       console.log('got upgraded!');
//       socket.end();
//       process.exit(0);
//     });
//   });
//
// Here the client also sends "hello" through the upgraded socket and prints the echo before it
// ends, and the server closes instead of process.exit(). Coroutine twin: examples/upgrade_echo.cpp.
// Usage: upgrade_echo [--port N] (default 1337; 0 picks a free one)
#include <corohttp/node/http.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace node = corohttp::node;

int main(int argc, char** argv) {
  std::uint16_t port = 1337;
  if (argc > 2 && std::string(argv[1]) == "--port") port = static_cast<std::uint16_t>(std::atoi(argv[2]));

  // Create an HTTP server
  auto srv = node::create_server([](node::incoming_message&, node::server_response& res) {
    res.write_head(200, {{"Content-Type", "text/plain"}});
    res.end("okay");
  });
  srv.on("upgrade", [](node::incoming_message&, node::socket& socket, std::string_view head) {
    socket.write("HTTP/1.1 101 Web Socket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\r\n");
    socket.write(head);
    socket.pipe(socket);  // echo back
  });

  // now that server is running
  srv.listen(port, "127.0.0.1", [&] {
    // make a request
    corohttp::request_options options;
    options.port = srv.address().port;
    options.hostname = "127.0.0.1";
    options.headers = {{"Connection", "Upgrade"}, {"Upgrade", "websocket"}};
    auto req = node::request(options);
    req.end();
    req.on("upgrade", [&](node::incoming_message& res, node::socket& socket, std::string_view) {
      std::printf("got upgraded! (%d %s)\n", res.status_code(), std::string(res.status_message()).c_str());
      socket.on("data", [socket](std::string_view chunk) mutable {
        std::printf("echo: %.*s\n", static_cast<int>(chunk.size()), chunk.data());
        socket.end();
      });
      socket.on("close", [&] { srv.close(); });
      socket.write("hello");
    });
  });
  node::run();
  std::fflush(stdout);
  return 0;
}
