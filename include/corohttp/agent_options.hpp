// Node's http.Agent options: how many sockets an agent opens and how long it keeps them.
#pragma once

#include <chrono>
#include <cstddef>
#include <limits>

namespace corohttp {

struct agent_options {
  /// Keep sockets open for later requests (Node's keepAlive; the global agent has it on, as
  /// Node ≥ 19's does).
  bool keep_alive = false;
  /// With keep_alive: the TCP keep-alive initial delay (TCP_KEEPIDLE, whole seconds, at least 1)
  /// of the agent's sockets, as Node's keepAliveMsecs. Without keep_alive it is not used.
  std::chrono::milliseconds keep_alive_msecs{1000};
  /// Sockets per name at once; further requests wait for one.
  std::size_t max_sockets = std::numeric_limits<std::size_t>::max();
  /// Sockets in all at once.
  std::size_t max_total_sockets = std::numeric_limits<std::size_t>::max();
  /// Free sockets kept per name.
  std::size_t max_free_sockets = 256;
  /// A free socket idle this long is closed (the global agent: 5 s, as Node's). 0 = never.
  std::chrono::milliseconds timeout{0};
  /// "lifo" (Node's default: the most recently used socket first) or "fifo".
  bool lifo = true;
};

}  // namespace corohttp
