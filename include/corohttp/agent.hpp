// Node's http.Agent: a pool of client connections keyed by host:port:local_address. Requests for a
// name share its sockets, at most max_sockets at a time (others queue); finished keep-alive
// sockets wait in the free list (at most max_free_sockets) until reused or timed out. A free socket
// the server has closed is never handed out, and a socket is retired before the server's own
// `Keep-Alive: timeout=N` runs out.
#pragma once

#include <corohttp/agent_options.hpp>
#include <corohttp/config.hpp>
#include <corohttp/io/stream.hpp>
#include <corohttp/request_options.hpp>

#include <boost/asio/execution_context.hpp>

#include <charconv>
#include <chrono>
#include <limits>
#include <map>
#include <memory>
#include <string>

namespace corohttp {

namespace detail {
struct agent_state;
}  // namespace detail

class agent {
 public:
  explicit agent(const net::any_io_executor& ex, agent_options options = {});
  explicit agent(net::io_context& io, agent_options options = {}) : agent(io.get_executor(), options) {}
  agent(const agent&) = delete;
  agent& operator=(const agent&) = delete;
  ~agent();

  const agent_options& options() const noexcept;
  agent_options& options() noexcept;

  /// Node's agent.getName(options): "host:port:localAddress[:family]".
  static std::string get_name(const request_options& o) {
    std::string name;
    write_name(name, o);
    return name;
  }
  /// get_name() into `out` (replacing its contents; no allocation once it has the capacity).
  static void write_name(std::string& out, const request_options& o) {
    out.assign(o.hostname.empty() ? o.host : o.hostname);
    if (out.empty()) out.assign("localhost");
    char digits[8];
    auto port = std::to_chars(digits, digits + sizeof digits, o.port);
    out.append(1, ':').append(digits, port.ptr).append(1, ':').append(o.local_address);
    if (o.family == 4 || o.family == 6) out.append(1, ':').append(1, static_cast<char>('0' + o.family));
    if (!o.socket_path.empty()) out.append(1, ':').append(o.socket_path);
  }

  /// Node's agent.sockets: sockets in use, per name.
  std::map<std::string, std::size_t> sockets() const;
  /// Node's agent.freeSockets: sockets waiting for reuse, per name.
  std::map<std::string, std::size_t> free_sockets() const;
  /// Node's agent.requests: requests waiting for a socket, per name.
  std::map<std::string, std::size_t> requests() const;

  /// Closes the free sockets that expired or that their server closed (done lazily on each use).
  void prune();

  /// Node's agent.destroy(): closes the free sockets; sockets in use close when their request ends.
  void destroy();

  const std::shared_ptr<detail::agent_state>& state() const noexcept { return state_; }

 private:
  std::shared_ptr<detail::agent_state> state_;
};

namespace detail {
// The global agent of one io_context (Node has one per process; we have one per event loop).
class global_agent_service : public net::execution_context::service {
 public:
  using key_type = global_agent_service;
  static inline net::execution_context::id id;
  explicit global_agent_service(net::execution_context& ctx) : net::execution_context::service(ctx) {}
  corohttp::agent& get(const net::any_io_executor& ex) {
    if (!agent_) {
      agent_options o;
      o.keep_alive = true;
      o.timeout = std::chrono::milliseconds(5000);
      agent_ = std::make_unique<corohttp::agent>(ex, o);
    }
    return *agent_;
  }

 private:
  void shutdown() override {
    if (agent_) agent_->destroy();
  }
  std::unique_ptr<corohttp::agent> agent_;
};
}  // namespace detail

/// Node's http.globalAgent, for the io_context `ex` belongs to: keep-alive on, free sockets kept 5 s.
COROHTTP_DECL agent& global_agent(const net::any_io_executor& ex);

}  // namespace corohttp

#if !defined(COROHTTP_SEPARATE_COMPILATION)
#include <corohttp/impl/agent.ipp>
#endif
