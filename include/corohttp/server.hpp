// Node's http.Server on Asio coroutines.
//
//   corohttp::server s(io, [](corohttp::incoming_message& req, corohttp::server_response& res)
//                            -> corohttp::awaitable<> { co_await res.end("hi"); });
//   s.listen(8080, "127.0.0.1");
//
// Events map to coroutines: 'request' is the handler (or, without one, the async generator
// next_request()); 'checkContinue', 'connect', 'upgrade' and 'clientError' are optional handlers
// with Node's defaults when absent; 'connection' is a hook; 'close' is the awaitable closed().
// A server runs on one io_context, as Node runs on one loop; for several cores run one server per
// io_context (one thread each) with options.reuse_port.
#pragma once

#include <corohttp/detail/server_connection.hpp>
#include <corohttp/detail/server_core.hpp>
#include <corohttp/incoming_message.hpp>
#include <corohttp/io/stream.hpp>
#include <corohttp/server_options.hpp>
#include <corohttp/server_response.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/socket.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace corohttp {

/// What server.address() returns, as Node's { address, family, port } (or the path of a UNIX socket).
struct server_address {
  std::string address;  ///< "127.0.0.1", "::" ...; the path for a UNIX socket
  std::string family;   ///< "IPv4", "IPv6" or "unix"
  std::uint16_t port = 0;
};

/// An already-bound listening socket handed to listen() (Node's listen(handle)).
struct native_listener {
  int fd;
};

class server {
 public:
  explicit server(net::io_context& io, request_handler on_request = {}, server_options options = {})
      : server(io.get_executor(), std::move(on_request), options) {}
  explicit server(const net::any_io_executor& ex, request_handler on_request = {}, server_options options = {})
      : core_(std::make_shared<detail::server_core>(ex, options)) {
    core_->on_request = std::move(on_request);
    core_->update_keep_alive_header();
  }
  server(const server&) = delete;
  server& operator=(const server&) = delete;
  /// Stops accepting and closes every connection (the coroutines end on their own).
  ~server() {
    close();
    close_all_connections();
  }

  // --- events --------------------------------------------------------------------------------
  void on_request(request_handler h) { core_->on_request = std::move(h); }
  /// 'checkContinue': called instead of the request handler for `Expect: 100-continue`; it decides
  /// whether to write_continue(). Without it the server answers 100 Continue itself.
  void on_check_continue(request_handler h) { core_->on_check_continue = std::move(h); }
  /// 'upgrade': without it an Upgrade request is served as an ordinary request (modern Node).
  void on_upgrade(upgrade_handler h) { core_->on_upgrade = std::move(h); }
  /// 'connect': without it a CONNECT request's connection is closed.
  void on_connect(upgrade_handler h) { core_->on_connect = std::move(h); }
  /// 'clientError': without it the server answers 400 (431 for a head too large, 408 for a
  /// timeout, 413 for chunk extensions too long) with `Connection: close`, as Node does.
  void on_client_error(client_error_handler h) { core_->on_client_error = std::move(h); }
  /// 'connection': sees each accepted socket before any byte is read.
  void on_connection(connection_hook h) { core_->on_connection = std::move(h); }

  /// The 'request' events as an async generator, for a server built without a request handler:
  /// each call yields the next request and its response; std::nullopt once the server is closed.
  /// The connection waits until the response is ended.
  awaitable<std::optional<exchange>> next_request() {
    auto core = core_;
    for (;;) {
      if (!core->pending.empty()) {
        exchange e = core->pending.front();
        core->pending.pop_front();
        co_return e;
      }
      if (core->closed.is_set()) co_return std::nullopt;
      core->request_ready.reset();
      co_await core->request_ready.wait();
    }
  }

  // --- listening ----------------------------------------------------------------------------------
  /// Node's listen(port[, host][, backlog]): port 0 picks a free port; no host means "::" (dual
  /// stack) where IPv6 exists, else 0.0.0.0. The host may be a name ("localhost").
  boost::system::error_code listen(std::uint16_t port, std::string_view host = {}, int backlog = 511) {
    boost::system::error_code ec;
    std::vector<net::ip::tcp::endpoint> candidates;
    if (host.empty()) {
      candidates.emplace_back(net::ip::address_v6::any(), port);
      candidates.emplace_back(net::ip::address_v4::any(), port);
    } else {
      auto addr = net::ip::make_address(std::string(host), ec);
      if (!ec) {
        candidates.emplace_back(addr, port);
      } else {
        net::ip::tcp::resolver resolver(core_->executor);
        auto results = resolver.resolve(std::string(host), std::to_string(port), ec);
        if (ec) return ec;
        for (auto& r : results) candidates.push_back(r.endpoint());
      }
    }
    for (auto& ep : candidates) {
      ec = open_acceptor(stream_endpoint(ep), backlog, ep.address().is_v6() && host.empty());
      if (!ec) return start();
    }
    return ec;
  }

  /// Node's listen(path): a UNIX-domain socket.
  boost::system::error_code listen(std::string_view unix_path, int backlog = 511) {
    auto ec = open_acceptor(stream_endpoint(net::local::stream_protocol::endpoint(std::string(unix_path))), backlog, false);
    return ec ? ec : start();
  }

  /// Node's listen(handle): a socket already bound (and possibly listening).
  boost::system::error_code listen(native_listener handle, int backlog = 511) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(handle.fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
      return {errno, boost::system::system_category()};
    int protocol = ss.ss_family == AF_UNIX ? 0 : IPPROTO_TCP;
    boost::system::error_code ec;
    core_->acceptor.emplace(core_->executor);
    core_->acceptor->assign(net::generic::stream_protocol(ss.ss_family, protocol), handle.fd, ec);
    if (!ec) core_->acceptor->listen(backlog, ec);
    if (ec) {
      core_->acceptor.reset();
      return ec;
    }
    return start();
  }

  bool listening() const noexcept { return core_->accepting; }

  /// Node's server.address().
  server_address address() const {
    server_address a;
    if (!core_->acceptor) return a;
    boost::system::error_code ec;
    stream_endpoint ep = core_->acceptor->local_endpoint(ec);
    if (ec) return a;
    const sockaddr* sa = ep.data();
    if (sa->sa_family == AF_UNIX) {
      a.family = "unix";
      a.address.assign(reinterpret_cast<const sockaddr_un*>(sa)->sun_path);
    } else if (sa->sa_family == AF_INET) {
      auto* in = reinterpret_cast<const sockaddr_in*>(sa);
      a.family = "IPv4";
      a.port = ntohs(in->sin_port);
      net::ip::address_v4::bytes_type b;
      std::memcpy(b.data(), &in->sin_addr, 4);
      a.address = net::ip::address_v4(b).to_string();
    } else if (sa->sa_family == AF_INET6) {
      auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
      a.family = "IPv6";
      a.port = ntohs(in6->sin6_port);
      net::ip::address_v6::bytes_type b;
      std::memcpy(b.data(), &in6->sin6_addr, 16);
      a.address = net::ip::address_v6(b).to_string();
    }
    return a;
  }

  // --- closing ------------------------------------------------------------------------------------
  /// Node's close(): stops accepting; idle connections close now, busy ones after their current
  /// response (which says `Connection: close`). closed() completes when all are gone.
  void close() {
    core_->closing = true;
    if (core_->acceptor) {
      boost::system::error_code ignored;
      core_->acceptor->close(ignored);
    }
    core_->accepting = false;
    for (auto* c = core_->first; c;) {
      auto* next = c->next();
      c->begin_close();
      c = next;
    }
    core_->maybe_closed();
  }
  /// Node's 'close' event: completes once close() was called and every connection has ended.
  awaitable<void> closed() {
    auto core = core_;
    co_await core->closed.wait();
  }
  /// Node's closeIdleConnections().
  void close_idle_connections() {
    for (auto* c = core_->first; c;) {
      auto* next = c->next();
      if (c->idle()) c->terminate(error::socket_timeout);
      c = next;
    }
  }
  /// Node's closeAllConnections(): running handlers are cancelled too.
  void close_all_connections() {
    for (auto* c = core_->first; c;) {
      auto* next = c->next();
      c->terminate(net::error::operation_aborted);
      c = next;
    }
  }
  /// Node's getConnections().
  std::size_t connections() const noexcept { return core_->connection_count; }

  // --- limits and timeouts ------------------------------------------------------------------------
  server_options& options() noexcept { return core_->options; }
  const server_options& options() const noexcept { return core_->options; }
  /// Node's server.setTimeout(ms[, callback]): idle socket timeout for new connections; the hook
  /// replaces the default (destroying the socket).
  void set_timeout(std::chrono::milliseconds ms, timeout_hook hook = {}) {
    core_->options.timeout = ms;
    core_->on_timeout = std::move(hook);
    restart_checker();
  }
  /// Applies changed options (keep_alive_timeout, max_requests_per_socket) to what is sent next.
  void apply_options() {
    core_->update_keep_alive_header();
    restart_checker();
  }

 private:
  boost::system::error_code open_acceptor(const stream_endpoint& ep, int backlog, bool dual_stack) {
    boost::system::error_code ec;
    core_->acceptor.emplace(core_->executor);
    auto& a = *core_->acceptor;
    a.open(ep.protocol(), ec);
    if (!ec && ep.protocol().family() != AF_UNIX) a.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec && dual_stack) a.set_option(net::ip::v6_only(false), ec);
    if (!ec && core_->options.reuse_port) {
      int one = 1;
      if (::setsockopt(a.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
        ec = {errno, boost::system::system_category()};
    }
    if (!ec) a.bind(ep, ec);
    if (!ec) a.listen(backlog, ec);
    if (ec) core_->acceptor.reset();
    return ec;
  }

  boost::system::error_code start() {
    core_->closing = false;
    core_->closed.reset();
    core_->accepting = true;
    core_->accept_loop_running = true;
    net::co_spawn(core_->executor, accept_loop(core_), net::detached);
    restart_checker();
    return {};
  }

  void restart_checker() {
    if (core_->checker_running) {
      core_->checker.cancel();
      return;  // the running checker picks up the new interval
    }
    core_->checker_running = true;
    net::co_spawn(core_->executor, check_loop(core_), net::detached);
  }

  // Accepts until closed. EMFILE/ENFILE and friends do not stop it: it waits a little and retries,
  // so the server serves again once descriptors free up, without spinning meanwhile.
  static awaitable<void> accept_loop(std::shared_ptr<detail::server_core> core) {
    net::steady_timer backoff(core->executor);
    auto delay = std::chrono::milliseconds(10);
    while (core->acceptor && core->acceptor->is_open()) {
      auto [ec, socket] = co_await core->acceptor->async_accept(net::as_tuple(net::use_awaitable));
      if (ec == net::error::operation_aborted || !core->acceptor || !core->acceptor->is_open()) break;
      if (ec) {
        if (ec == net::error::no_descriptors || ec.value() == ENFILE || ec == net::error::no_buffer_space ||
            ec == net::error::no_memory) {
          backoff.expires_after(delay);
          co_await backoff.async_wait(net::as_tuple(net::use_awaitable));
          delay = std::min(delay * 2, std::chrono::milliseconds(1000));
        }
        continue;
      }
      delay = std::chrono::milliseconds(10);
      boost::system::error_code ignored;
      socket.non_blocking(true, ignored);
      if (core->options.no_delay && socket.local_endpoint(ignored).protocol().family() != AF_UNIX)
        socket.set_option(net::ip::tcp::no_delay(true), ignored);
      detail::spawn_connection(core, std::move(socket));
    }
    core->accept_loop_running = false;
    core->accepting = false;
    core->maybe_closed();
  }

  // One timer for every deadline of every connection: a connection costs nothing here but a list
  // entry. It also advances the coarse clock the connections stamp their activity with.
  static awaitable<void> check_loop(std::shared_ptr<detail::server_core> core) {
    for (;;) {
      core->checker.expires_after(core->check_interval());
      auto [ec] = co_await core->checker.async_wait(net::as_tuple(net::use_awaitable));
      if (core->closed.is_set()) break;
      if (ec && ec != net::error::operation_aborted) break;
      core->now = std::chrono::steady_clock::now();
      for (auto* c = core->first; c;) {
        auto* next = c->next();
        c->check_deadlines(core->now);
        c = next;
      }
      if (!core->accepting && core->connection_count == 0) break;
    }
    core->checker_running = false;
  }

  std::shared_ptr<detail::server_core> core_;
};

}  // namespace corohttp
