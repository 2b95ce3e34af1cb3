// Command-line and signal plumbing shared by the example servers: --port N, --host H, and a clean
// close() on SIGINT/SIGTERM.
#pragma once

#include <corohttp/server.hpp>

#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace corohttp::examples {

struct listen_args {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
};

inline listen_args parse_listen_args(int argc, char** argv, std::uint16_t default_port = 8080) {
  listen_args a;
  a.port = default_port;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--port" && i + 1 < argc) a.port = static_cast<std::uint16_t>(std::atoi(argv[++i]));
    else if (arg == "--host" && i + 1 < argc) a.host = argv[++i];
    else {
      std::fprintf(stderr, "usage: %s [--port N] [--host H]\n", argv[0]);
      std::exit(2);
    }
  }
  return a;
}

/// Listens, prints "listening on http://HOST:PORT" (flushed), and closes the server gracefully on
/// SIGINT/SIGTERM. Returns false (after printing why) if it cannot listen.
inline bool listen_and_announce(net::io_context& io, server& s, const listen_args& a, net::signal_set& signals) {
  if (auto ec = s.listen(a.port, a.host)) {
    std::fprintf(stderr, "cannot listen on %s:%u: %s\n", a.host.c_str(), a.port, ec.message().c_str());
    return false;
  }
  auto addr = s.address();
  bool v6 = addr.family == "IPv6";
  std::printf("listening on http://%s%s%s:%u\n", v6 ? "[" : "", addr.address.c_str(), v6 ? "]" : "", addr.port);
  std::fflush(stdout);
  signals.async_wait([&s, &io](boost::system::error_code ec, int) {
    if (ec) return;
    s.close();
    s.close_all_connections();
    io.stop();
  });
  return true;
}

}  // namespace corohttp::examples
