// Node's http.ClientRequest. A request gets its socket from the agent at once (Node's 'socket'
// event is the socket() awaitable); its head is written with the first write(), end() or
// flush_headers(); the response is the response() awaitable. Framing is Node's: Content-Length
// when the caller set it or when end(data) carries the whole body, chunked otherwise when a body
// is streamed. Errors (DNS, refused, reset, parse, timeout, abort) are error_codes from the
// awaitables.
#pragma once

#include <corohttp/config.hpp>
#include <corohttp/agent.hpp>
#include <corohttp/detail/exchange_ref.hpp>
#include <corohttp/incoming_message.hpp>
#include <corohttp/io/asio.hpp>
#include <corohttp/io/stream.hpp>
#include <corohttp/request_options.hpp>
#include <corohttp/response_result.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corohttp {

class client_request {
 public:
  client_request() = default;
  explicit client_request(detail::exchange_ref x, boost::system::error_code init_error = {})
      : x_(std::move(x)), init_error_(init_error) {}
  client_request(client_request&&) noexcept = default;
  client_request& operator=(client_request&& o) noexcept;
  ~client_request();

  /// An error found when the request was made (a bad path, protocol or header): every awaitable
  /// then yields it too.
  boost::system::error_code error() const noexcept { return init_error_; }

  // --- headers, until the head is sent -------------------------------------------------------------
  boost::system::error_code set_header(std::string_view name, std::string_view value);
  boost::system::error_code set_header(std::string_view name, std::initializer_list<std::string_view> values);
  std::optional<std::string_view> get_header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  boost::system::error_code remove_header(std::string_view name);
  std::vector<std::string> get_header_names() const;
  bool headers_sent() const;

  std::string_view method() const;
  std::string_view path() const;
  std::string_view host() const;
  std::string_view protocol() const;
  /// Node's req.reusedSocket: the socket served an earlier request.
  bool reused_socket() const;
  /// Node's req.socket: the connection's socket once wait_socket() has completed.
  stream_socket& socket();
  /// Node's `socket.emit('agentRemove')`: takes this request's socket out of its agent's pool
  /// (see client_exchange::remove_from_agent). Call it after wait_socket().
  void remove_from_agent();

  // --- writing ---------------------------------------------------------------------------------------
  /// Node's flushHeaders(): sends the head now.
  awaitable<boost::system::error_code> flush_headers();
  /// A chunk of the body (the head first); completes when the kernel has it.
  awaitable<boost::system::error_code> write(std::string_view data);
  /// Ends the request, with a last chunk of data if given.
  awaitable<boost::system::error_code> end(std::string_view data = {});
  /// Node's abort()/destroy(): the socket is destroyed; awaits in progress end with error::aborted.
  void abort();

  // --- one-shot events -------------------------------------------------------------------------------
  /// 'response': the final response (1xx are skipped; 100 goes to wait_continue()). Ends the request
  /// first if end() was not called.
  awaitable<response_result> response();
  /// 'socket': completes when the agent has assigned a socket.
  awaitable<boost::system::error_code> wait_socket();
  /// 'continue': the server sent 100 Continue (send `Expect: 100-continue` to ask for it).
  awaitable<boost::system::error_code> wait_continue();
  /// 'upgrade': the 101 response and the socket, handed over.
  awaitable<upgrade_result> upgrade();
  /// 'connect': the 2xx response to CONNECT and the tunnel's socket.
  awaitable<upgrade_result> connect() { return upgrade(); }

  // --- socket settings -------------------------------------------------------------------------------
  void set_timeout(std::chrono::milliseconds ms);
  void set_no_delay(bool on = true);
  void set_socket_keep_alive(bool on = true, std::chrono::milliseconds initial_delay = {});

 private:
  detail::exchange_ref x_;
  boost::system::error_code init_error_;
};

}  // namespace corohttp

#if !defined(COROHTTP_SEPARATE_COMPILATION)
#include <corohttp/impl/client_request.ipp>
#endif
