// The server's limits and timeouts, with modern Node's names and defaults.
#pragma once

#include <chrono>
#include <cstddef>

namespace corohttp {

struct server_options {
  /// Bytes of a request head (start line + fields); more → 431. Node's maxHeaderSize.
  std::size_t max_header_size = 16 * 1024;
  /// Fields reported per request; further ones are dropped from headers, as Node does.
  std::size_t max_headers_count = 2000;
  /// Time to receive a whole head, from its first byte (or the connection); → 408. Node: 60 s.
  std::chrono::milliseconds headers_timeout{60'000};
  /// Time to receive a whole request, head and body; → 408. Node: 300 s. 0 = none.
  std::chrono::milliseconds request_timeout{300'000};
  /// Idle time allowed between two requests on a keep-alive connection. Node: 5 s. 0 = none.
  std::chrono::milliseconds keep_alive_timeout{5'000};
  /// Idle time allowed on a socket at any point (Node's server.timeout); 0 = none, Node's default.
  std::chrono::milliseconds timeout{0};
  /// Requests served per connection before it closes; 0 = no limit.
  std::size_t max_requests_per_socket = 0;
  /// How often deadlines are checked; 0 = derived from the shortest timeout (at most 1 s).
  std::chrono::milliseconds connections_checking_interval{0};
  /// Node's insecureHTTPParser: accept what lenient llhttp accepts (see parser lenient_flags).
  bool insecure_http_parser = false;
  /// RFC 9112's Host and asterisk-form rules (proto/request_rules.hpp); stricter than Node.
  bool require_host_header = true;
  /// TCP_NODELAY on accepted sockets (Node's noDelay, default true).
  bool no_delay = true;
  /// SO_REUSEPORT on the listening socket: several servers (one per io_context) on one port.
  bool reuse_port = false;
  /// Bytes of a request body nobody read that the server reads and drops to keep the connection;
  /// a longer unread body closes the connection instead.
  std::size_t max_drain_size = 1024 * 1024;
};

}  // namespace corohttp
