// State shared by a server and its connections. The server object and every connection coroutine
// hold it (shared_ptr), so a server destroyed while connections still run leaves them valid.
#pragma once

#include <corohttp/incoming_message.hpp>
#include <corohttp/io/async_event.hpp>
#include <corohttp/io/read_buffer.hpp>
#include <corohttp/io/stream.hpp>
#include <corohttp/proto/http_date.hpp>
#include <corohttp/server_options.hpp>
#include <corohttp/server_response.hpp>

#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace corohttp {

/// One request and the response to it: what the server's request generator yields.
struct exchange {
  incoming_message& request;
  server_response& response;
};

using request_handler = std::function<awaitable<void>(incoming_message&, server_response&)>;
/// 'upgrade' and 'connect': the request, the raw socket and the bytes already read past the head.
/// The connection closes when the handler returns.
using upgrade_handler = std::function<awaitable<void>(incoming_message&, stream_socket&, std::string_view head)>;
/// 'clientError': the error and the socket; the connection closes when the handler returns.
using client_error_handler = std::function<awaitable<void>(boost::system::error_code, stream_socket&)>;
using connection_hook = std::function<void(stream_socket&)>;
using timeout_hook = std::function<void(stream_socket&)>;

namespace detail {

class connection_slot;
class server_connection;

struct server_core {
  explicit server_core(const net::any_io_executor& ex, server_options o)
      : executor(ex),
        options(o),
        pool(std::max<std::size_t>(16 * 1024, o.max_header_size) + 4096),
        checker(ex),
        closed(ex),
        request_ready(ex) {
    idle_workers.reserve(max_idle_workers);
  }
  server_core(const server_core&) = delete;
  server_core& operator=(const server_core&) = delete;
  inline ~server_core();  // in server_connection.hpp: connections still queued for a worker go with it

  net::any_io_executor executor;
  server_options options;
  request_handler on_request;
  request_handler on_check_continue;
  upgrade_handler on_upgrade;
  upgrade_handler on_connect;
  client_error_handler on_client_error;
  connection_hook on_connection;
  timeout_hook on_timeout;

  buffer_pool pool;
  date_cache dates;
  std::string keep_alive_header;  // "timeout=5[, max=N]"
  std::string keep_alive_fields_text;       // see keep_alive_fields()
  std::time_t keep_alive_fields_time = -1;  // the second it was built for

  std::optional<stream_acceptor> acceptor;
  bool accepting = false;
  bool closing = false;

  // Connections, for close_idle/close_all and the deadline checker.
  connection_slot* first = nullptr;
  std::size_t connection_count = 0;
  bool accept_loop_running = false;

  // Connections with something to read, waiting for a worker, and the workers waiting for one
  // (see server_connection.hpp). `pending_workers`: woken or started, not yet looking.
  static constexpr std::size_t max_idle_workers = 16;
  connection_slot* ready_first = nullptr;
  connection_slot* ready_last = nullptr;
  std::vector<server_connection*> idle_workers;
  std::size_t pending_workers = 0;

  net::steady_timer checker;
  bool checker_running = false;
  std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now();

  async_event closed;  // Node's 'close': not listening and no connection left

  // The request generator (when no request handler is set).
  std::deque<exchange> pending;
  async_event request_ready;

  std::chrono::milliseconds check_interval() const {
    if (options.connections_checking_interval.count() > 0) return options.connections_checking_interval;
    std::chrono::milliseconds shortest{1000};
    for (auto t : {options.headers_timeout, options.request_timeout, options.keep_alive_timeout, options.timeout})
      if (t.count() > 0) shortest = std::min(shortest, t);
    return std::clamp(shortest / 8, std::chrono::milliseconds(5), std::chrono::milliseconds(1000));
  }

  void update_keep_alive_header() {
    keep_alive_header.clear();
    keep_alive_fields_time = -1;
    if (options.keep_alive_timeout.count() > 0) {
      keep_alive_header = "timeout=" + std::to_string(options.keep_alive_timeout.count() / 1000);
      if (options.max_requests_per_socket > 0)
        keep_alive_header += ", max=" + std::to_string(options.max_requests_per_socket);
    }
  }

  /// The usual end of a kept-alive response's head, "Date: …", "Connection: keep-alive" and
  /// "Keep-Alive: …" (when sent) lines, rebuilt once a second: one copy per response, not three
  /// fields.
  std::string_view keep_alive_fields() {
    const std::time_t t = std::time(nullptr);
    if (t != keep_alive_fields_time) {
      keep_alive_fields_time = t;
      keep_alive_fields_text.assign("Date: ").append(dates.at(t)).append("\r\nConnection: keep-alive\r\n");
      if (!keep_alive_header.empty()) keep_alive_fields_text.append("Keep-Alive: ").append(keep_alive_header).append("\r\n");
    }
    return keep_alive_fields_text;
  }

  /// Node's 'close' once closing and nothing is left; idle workers retire once nothing can come.
  inline void maybe_closed();  // in server_connection.hpp
};

}  // namespace detail
}  // namespace corohttp
