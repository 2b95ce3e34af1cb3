// Plumbing shared by the event-style example servers: --port N / --host H (examples/common/cli.hpp),
// the "listening on http://HOST:PORT" line, and a graceful close() on SIGINT/SIGTERM.
#pragma once

#include <corohttp/node/server.hpp>

#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "../common/cli.hpp"

namespace corohttp::examples {

/// listen(), then print where once listening; a failure to listen ends the program with status 1.
inline void listen_and_announce(node::server& server, const listen_args& a) {
  server.on("error", [a](boost::system::error_code ec) {
    std::fprintf(stderr, "cannot listen on %s:%u: %s\n", a.host.c_str(), a.port, ec.message().c_str());
    std::exit(1);
  });
  server.listen(a.port, a.host, [server]() mutable {
    auto addr = server.address();
    bool v6 = addr.family == "IPv6";
    std::printf("listening on http://%s%s%s:%u\n", v6 ? "[" : "", addr.address.c_str(), v6 ? "]" : "", addr.port);
    std::fflush(stdout);
  });
  auto signals = std::make_shared<net::signal_set>(node::loop(), SIGINT, SIGTERM);
  signals->async_wait([signals, server](boost::system::error_code ec, int) mutable {
    if (ec) return;
    server.close();
    server.core().close_all_connections();
  });
}

}  // namespace corohttp::examples
