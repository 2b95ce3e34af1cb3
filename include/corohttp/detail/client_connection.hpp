// One client connection: a socket, its read buffer and a response parser. The agent pools these;
// a client_request borrows one for the time of its exchange.
#pragma once

#include <corohttp/io/read_buffer.hpp>
#include <corohttp/io/stream.hpp>
#include <corohttp/proto/parser.hpp>
#include <corohttp/request_options.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/socket.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace corohttp::detail {

class client_connection {
  using clock = std::chrono::steady_clock;

 public:
  client_connection(const net::any_io_executor& ex, buffer_pool& pool, std::string key, parser_options popt)
      : socket(ex), buf(pool), parse(message_type::response, popt), name(std::move(key)), watchdog_(ex) {}
  client_connection(const client_connection&) = delete;
  client_connection& operator=(const client_connection&) = delete;
  ~client_connection() { *alive_ = false; }

  stream_socket socket;
  read_buffer buf;
  parser parse;
  std::string name;                          // the agent's key
  bool reused = false;                       // served an earlier request
  std::optional<clock::time_point> expires;  // the server's Keep-Alive: timeout, less a margin
  clock::time_point idle_since = clock::now();
  std::function<void()> on_timeout;          // called when the idle timeout fires (message.setTimeout's callback)

  /// Connects to options' host:port (or UNIX socket), honouring family and local_address.
  awaitable<boost::system::error_code> connect(const request_options& o) {
    boost::system::error_code ec;
    if (!o.socket_path.empty()) {
      net::local::stream_protocol::endpoint ep(o.socket_path);
      auto [cec] = co_await socket.async_connect(stream_endpoint(ep), net::as_tuple(net::use_awaitable));
      co_return cec;
    }
    net::ip::tcp::resolver resolver(socket.get_executor());
    auto flags = net::ip::resolver_base::numeric_service;
    auto [rec, results] = co_await resolver.async_resolve(o.connect_host(), std::to_string(o.port), flags,
                                                          net::as_tuple(net::use_awaitable));
    if (rec) co_return rec;
    std::optional<net::ip::address> local;
    if (!o.local_address.empty()) {
      local = net::ip::make_address(o.local_address, ec);
      if (ec) co_return ec;
    }
    boost::system::error_code last = net::error::host_not_found;
    for (const auto& r : results) {
      auto ep = r.endpoint();
      if ((o.family == 4 && !ep.address().is_v4()) || (o.family == 6 && !ep.address().is_v6())) continue;
      if (local && local->is_v4() != ep.address().is_v4()) continue;
      socket.close(ec);
      socket.open(stream_endpoint(ep).protocol(), ec);
      if (ec) { last = ec; continue; }
      if (local) {
        socket.bind(stream_endpoint(net::ip::tcp::endpoint(*local, 0)), ec);
        if (ec) { last = ec; continue; }
      }
      auto [cec] = co_await socket.async_connect(stream_endpoint(ep), net::as_tuple(net::use_awaitable));
      if (!cec) {
        socket.set_option(net::ip::tcp::no_delay(true), ec);
        co_return boost::system::error_code{};
      }
      last = cec;
    }
    co_return last;
  }

  /// A pooled connection may be reused only if the server has not closed it meanwhile (EOF or
  /// stray bytes waiting) and its keep-alive time is not about to run out. The probe for EOF is a
  /// system call, so a connection back in the pool for less than a millisecond is not probed: a
  /// server that closes right after answering says `Connection: close` (the connection then never
  /// comes back), and an idempotent request caught in that race anyway is retried.
  bool healthy(clock::time_point now) const noexcept {
    if (!socket.is_open() || !buf.empty()) return false;
    if (expires && now >= *expires) return false;
    if (now - idle_since < std::chrono::milliseconds(1)) return true;
    char probe;
    ssize_t n = ::recv(const_cast<stream_socket&>(socket).native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  /// Reads more bytes into the buffer.
  awaitable<boost::system::error_code> fill() {
    auto [p, n] = buf.prepare();
    if (n == 0) co_return make_error_code(error::header_overflow);
    auto [ec, got] = co_await socket.async_read_some(net::buffer(p, n), net::as_tuple(net::use_awaitable));
    co_return filled(ec, got);
  }
  /// The second half of fill(), for callers that await the read themselves (one coroutine frame
  /// less): `got` bytes arrived into buf.prepare()'s space, or `ec`.
  boost::system::error_code filled(boost::system::error_code ec, std::size_t got) noexcept {
    if (timed_out_) return error::socket_timeout;
    if (ec) return ec;
    buf.commit(got);
    touch();
    return {};
  }

  /// Socket idle timeout: when nothing is read or written for `t`, pending operations end with
  /// error::socket_timeout. 0 turns it off.
  void set_timeout(std::chrono::milliseconds t) {
    timeout_ = t;
    timed_out_ = false;
    watchdog_.cancel();
    if (t.count() > 0) {
      touch();
      arm();
    }
  }
  bool timed_out() const noexcept { return timed_out_; }
  void touch() noexcept {
    if (timeout_.count() > 0) last_activity_ = clock::now();
  }

  void close() noexcept {
    boost::system::error_code ignored;
    watchdog_.cancel();
    if (socket.is_open()) {
      socket.shutdown(net::socket_base::shutdown_both, ignored);
      socket.close(ignored);
    }
  }

 private:
  void arm() {
    watchdog_.expires_at(last_activity_ + timeout_);
    // The timer may have fired just before this connection went away, its handler still queued:
    // `alive` says whether `this` is still there.
    watchdog_.async_wait([this, alive = alive_](boost::system::error_code ec) {
      if (ec || !*alive) return;  // cancelled, or the connection is gone: touch nothing
      if (clock::now() >= last_activity_ + timeout_) {
        timed_out_ = true;
        boost::system::error_code ignored;
        socket.cancel(ignored);
        if (on_timeout) on_timeout();
      } else {
        arm();
      }
    });
  }

  net::steady_timer watchdog_;
  std::chrono::milliseconds timeout_{0};
  clock::time_point last_activity_ = clock::now();
  bool timed_out_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace corohttp::detail
