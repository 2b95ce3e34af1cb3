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

#include <corohttp/config.hpp>
#include <corohttp/detail/server_core.hpp>
#include <corohttp/incoming_message.hpp>
#include <corohttp/io/asio.hpp>
#include <corohttp/io/stream.hpp>
#include <corohttp/server_options.hpp>
#include <corohttp/server_response.hpp>

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
  explicit server(const net::any_io_executor& ex, request_handler on_request = {}, server_options options = {});
  server(const server&) = delete;
  server& operator=(const server&) = delete;
  /// Stops accepting and closes every connection (the coroutines end on their own).
  ~server();

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
  awaitable<std::optional<exchange>> next_request();

  // --- listening ----------------------------------------------------------------------------------
  /// Node's listen(port[, host][, backlog]): port 0 picks a free port; no host means "::" (dual
  /// stack) where IPv6 exists, else 0.0.0.0. The host may be a name ("localhost").
  boost::system::error_code listen(std::uint16_t port, std::string_view host = {}, int backlog = 511);

  /// Node's listen(path): a UNIX-domain socket.
  boost::system::error_code listen(std::string_view unix_path, int backlog = 511);

  /// Node's listen(handle): a socket already bound (and possibly listening).
  boost::system::error_code listen(native_listener handle, int backlog = 511);

  bool listening() const noexcept { return core_->accepting; }

  /// Node's server.address().
  server_address address() const;

  // --- closing ------------------------------------------------------------------------------------
  /// Node's close(): stops accepting; idle connections close now, busy ones after their current
  /// response (which says `Connection: close`). closed() completes when all are gone.
  void close();
  /// Node's 'close' event: completes once close() was called and every connection has ended.
  awaitable<void> closed();
  /// Node's closeIdleConnections().
  void close_idle_connections();
  /// Node's closeAllConnections(): running handlers are cancelled too.
  void close_all_connections();
  /// Node's getConnections().
  std::size_t connections() const noexcept { return core_->connection_count; }

  // --- limits and timeouts ------------------------------------------------------------------------
  server_options& options() noexcept { return core_->options; }
  const server_options& options() const noexcept { return core_->options; }
  /// Node's server.setTimeout(ms[, callback]): idle socket timeout for new connections; the hook
  /// replaces the default (destroying the socket).
  void set_timeout(std::chrono::milliseconds ms, timeout_hook hook = {});
  /// Applies changed options (keep_alive_timeout, max_requests_per_socket) to what is sent next.
  void apply_options();

 private:
  boost::system::error_code open_acceptor(const stream_endpoint& ep, int backlog, bool dual_stack);

  boost::system::error_code start();

  void restart_checker();

  // Accepts until closed. EMFILE/ENFILE and friends do not stop it: it waits a little and retries,
  // so the server serves again once descriptors free up, without spinning meanwhile.
  static awaitable<void> accept_loop(std::shared_ptr<detail::server_core> core);

  // One timer for every deadline of every connection: a connection costs nothing here but a list
  // entry. It also advances the coarse clock the connections stamp their activity with.
  static awaitable<void> check_loop(std::shared_ptr<detail::server_core> core);

  std::shared_ptr<detail::server_core> core_;
};

}  // namespace corohttp

#if !defined(COROHTTP_SEPARATE_COMPILATION)
#include <corohttp/impl/server.ipp>
#endif
