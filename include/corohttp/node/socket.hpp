// Node's net.Socket, as far as HTTP programs use it: the socket of an upgraded or CONNECT-ed
// connection, of a client request ('socket' event), or one opened with node::connect().
//
//   socket.on("data", [](std::string_view chunk) { ... });   // reading starts with a 'data' listener
//   socket.write("bytes");                                    // false once 16 KiB wait: then 'drain'
//   socket.end();                                             // after the queued bytes: FIN
//   a.pipe(b);                                                // a's data into b, with backpressure
//
// Events: 'connect', 'data' (std::string_view), 'end', 'drain', 'error' (error_code), 'close',
// 'timeout', and 'agentRemove' (see client_request.hpp). A socket is a handle: copies share one
// socket. Sockets the protocol still owns (a client request's, a server's 'connection' or
// 'clientError' one) are borrowed: they can be written, configured and ended but not read, and are
// valid while the event that handed them out runs (client requests: until the request is done).
// After 'close' every listener is dropped, which ends the reference cycles listeners that capture
// the socket form.
#pragma once

#include <corohttp/io/async_event.hpp>
#include <corohttp/io/stream.hpp>
#include <corohttp/node/emitter_handle.hpp>
#include <corohttp/node/event_emitter.hpp>
#include <corohttp/proto/error.hpp>
#include <corohttp/node/loop.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace corohttp::node {

/// Node's writableHighWaterMark: write() returns false once this much waits in memory.
inline constexpr std::size_t high_water_mark = 16 * 1024;

class socket;

namespace detail {

class socket_state final : public event_emitter, public std::enable_shared_from_this<socket_state> {
 public:
  explicit socket_state(stream_socket& borrowed) : sock(&borrowed), wake(borrowed.get_executor()), idle(borrowed.get_executor()) {
    declare_events();
  }
  explicit socket_state(stream_socket&& own)
      : owned(std::move(own)), sock(&*owned), wake(owned->get_executor()), idle(owned->get_executor()) {
    declare_events();
  }

  std::optional<stream_socket> owned;
  stream_socket* sock;
  corohttp::detail::async_event wake;  // the reader: flowing again, or destroyed
  corohttp::detail::async_event idle;  // the writer: nothing queued
  std::deque<std::pair<std::string, std::function<void()>>> queue;
  std::size_t queued = 0;
  bool need_drain = false, writing = false, ending = false, write_ended = false;
  bool flowing = false, paused = false, reading = false, read_ended = false;
  bool destroyed = false, closed = false, connecting = false;
  bool borrowed() const noexcept { return !owned; }

  bool write(std::string_view data, std::function<void()> cb) {
    if (ending || destroyed) {
      net::post(loop(), [self = shared_from_this()] {
        emit_or_rethrow(*self, "error", make_error_code(error::write_after_end));
      });
      return false;
    }
    queue.emplace_back(std::string(data), std::move(cb));
    queued += data.size();
    start_writer();
    bool ok = queued < high_water_mark;
    if (!ok) need_drain = true;
    return ok;
  }

  void end(std::string_view data) {
    if (ending || destroyed) return;
    if (!data.empty()) (void)write(data, {});
    ending = true;
    start_writer();
  }

  void destroy() {
    if (destroyed) return;
    destroyed = true;
    boost::system::error_code ignored;
    if (sock && sock->is_open()) {
      if (owned) sock->close(ignored);
      else sock->shutdown(net::socket_base::shutdown_both, ignored);  // its owner closes it
    }
    wake.set();
    maybe_close();
  }

  void resume() {
    paused = false;
    flowing = true;
    start_reader();
  }
  void pause() { paused = true; }

  void start_reader() {
    if (reading || borrowed() || destroyed || read_ended || connecting) return;
    if (!flowing || paused) return;
    reading = true;
    net::co_spawn(sock->get_executor(), read_loop(shared_from_this()), corohttp::node::detail::rethrow_completion{});
  }

  void start_writer() {
    if (writing || destroyed || connecting) return;
    writing = true;
    idle.reset();
    net::co_spawn(sock->get_executor(), write_loop(shared_from_this()), corohttp::node::detail::rethrow_completion{});
  }

  void fail(boost::system::error_code ec) {
    if (destroyed) return;
    destroy_keep_events();
    emit_or_rethrow(*this, "error", ec);
    maybe_close();
  }

  void maybe_close() {
    if (closed) return;
    if (!(destroyed || (read_ended && write_ended) || (borrowed() && write_ended))) return;
    if (writing || reading) {
      // The loops finish first (destroy() has woken them); the last one calls back here.
      return;
    }
    closed = true;
    boost::system::error_code ignored;
    if (owned && sock->is_open()) sock->close(ignored);
    emit_or_rethrow(*this, "close");
    remove_all_listeners();
  }

 protected:
  void listener_added(std::string_view event) override {
    if (event == "data" && !paused) {
      flowing = true;
      start_reader();
    }
  }

 private:
  void declare_events() {
    declare<>("connect");
    declare<std::string_view>("data");
    declare<>("end");
    declare<>("drain");
    declare<boost::system::error_code>("error");
    declare<>("close");
    declare<>("timeout");
    declare<>("agentRemove");
  }

  void destroy_keep_events() {
    destroyed = true;
    boost::system::error_code ignored;
    if (sock && sock->is_open()) {
      if (owned) sock->close(ignored);
      else sock->shutdown(net::socket_base::shutdown_both, ignored);  // its owner closes it
    }
    wake.set();
  }

  static awaitable<void> read_loop(std::shared_ptr<socket_state> self) {
    std::array<char, 16 * 1024> buf;
    while (!self->destroyed) {
      if (self->paused || !self->flowing) {
        self->wake.reset();
        co_await self->wake.wait();
        continue;
      }
      auto [ec, n] = co_await self->sock->async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
      if (self->destroyed) break;
      if (n > 0) emit_or_rethrow(*self, "data", std::string_view(buf.data(), n));
      if (ec == net::error::eof) {
        self->read_ended = true;
        self->reading = false;
        emit_or_rethrow(*self, "end");
        self->end({});  // Node's allowHalfOpen: false
        self->maybe_close();
        co_return;
      }
      if (ec) {
        self->reading = false;
        self->fail(ec);
        co_return;
      }
    }
    self->reading = false;
    self->maybe_close();
  }

  static awaitable<void> write_loop(std::shared_ptr<socket_state> self) {
    while (!self->queue.empty() && !self->destroyed) {
      auto& [data, cb] = self->queue.front();
      auto [ec, n] = co_await net::async_write(*self->sock, net::buffer(data), net::as_tuple(net::use_awaitable));
      if (self->destroyed) break;
      if (ec) {
        self->writing = false;
        self->idle.set();
        self->fail(ec);
        co_return;
      }
      self->queued -= data.size();
      auto done = std::move(cb);
      self->queue.pop_front();
      if (done) done();
    }
    if (!self->destroyed && self->need_drain) {
      self->need_drain = false;
      emit_or_rethrow(*self, "drain");
    }
    if (!self->destroyed && self->ending && self->queue.empty() && !self->write_ended) {
      boost::system::error_code ignored;
      self->sock->shutdown(net::socket_base::shutdown_send, ignored);
      self->write_ended = true;
    }
    self->writing = false;
    self->idle.set();
    if (!self->queue.empty() && !self->destroyed) {
      self->start_writer();  // a listener queued more meanwhile
      co_return;
    }
    self->maybe_close();
  }
};

}  // namespace detail

class socket : public emitter_handle<socket, detail::socket_state> {
 public:
  socket() = default;
  explicit socket(std::shared_ptr<detail::socket_state> s) : emitter_handle(std::move(s)) {}

  // --- writing ---------------------------------------------------------------------------------
  /// Queues `data`; true while less than high_water_mark waits (else wait for 'drain').
  bool write(std::string_view data, std::function<void()> on_flushed = {}) { return s_->write(data, std::move(on_flushed)); }
  /// Sends `data`, then FIN once everything queued is out.
  void end(std::string_view data = {}) { s_->end(data); }
  /// Closes now; queued bytes are dropped.
  void destroy() { s_->destroy(); }

  // --- reading ---------------------------------------------------------------------------------
  socket& pause() {
    s_->pause();
    return *this;
  }
  socket& resume() {
    s_->resume();
    return *this;
  }
  bool is_paused() const { return s_->paused; }
  /// Node's readable.pipe(dest): data goes to dest.write(); reading pauses until dest drains; the
  /// end of this socket ends dest.
  socket pipe(socket dest) {
    std::weak_ptr<detail::socket_state> src = s_;
    s_->on("data", [dest, src](std::string_view chunk) mutable {
      if (!dest.write(chunk))
        if (auto s = src.lock()) {
          s->pause();
          dest.once("drain", [src] {
            if (auto again = src.lock()) again->resume();
          });
        }
    });
    s_->on("end", [dest]() mutable { dest.end(); });
    return dest;
  }

  // --- settings and addresses ------------------------------------------------------------------
  void set_no_delay(bool on = true) {
    boost::system::error_code ignored;
    s_->sock->set_option(net::ip::tcp::no_delay(on), ignored);
  }
  void set_keep_alive(bool on = true, std::chrono::milliseconds initial_delay = {}) {
    boost::system::error_code ignored;
    s_->sock->set_option(net::socket_base::keep_alive(on), ignored);
    int secs = static_cast<int>(initial_delay.count() / 1000);
    if (on && secs > 0) ::setsockopt(s_->sock->native_handle(), IPPROTO_TCP, TCP_KEEPIDLE, &secs, sizeof secs);
  }
  bool destroyed() const { return s_->destroyed; }
  /// Bytes written so far is not tracked; what waits in memory is:
  std::size_t buffered_amount() const { return s_->queued; }
  stream_socket& native() { return *s_->sock; }

  /// Completes once every queued byte was written (or the socket failed).
  awaitable<void> flushed() {
    auto s = s_;
    if (s->writing) co_await s->idle.wait();
  }

  explicit operator bool() const noexcept { return s_ != nullptr; }
  const std::shared_ptr<detail::socket_state>& state() const noexcept { return s_; }
};

namespace detail {
inline awaitable<void> connect_socket(std::shared_ptr<socket_state> s, std::uint16_t port, std::string host) {
  net::ip::tcp::resolver resolver(s->sock->get_executor());
  auto [rec, results] = co_await resolver.async_resolve(host, std::to_string(port), net::ip::resolver_base::numeric_service,
                                                        net::as_tuple(net::use_awaitable));
  boost::system::error_code ec = rec ? rec : make_error_code(net::error::host_not_found);
  for (const auto& r : results) {
    boost::system::error_code ignored;
    s->sock->close(ignored);
    s->sock->open(stream_endpoint(r.endpoint()).protocol(), ec);
    if (ec) continue;
    auto [cec] = co_await s->sock->async_connect(stream_endpoint(r.endpoint()), net::as_tuple(net::use_awaitable));
    ec = cec;
    if (!ec) break;
  }
  s->connecting = false;
  if (s->destroyed) co_return;
  if (ec) {
    s->fail(ec);
    co_return;
  }
  s->sock->set_option(net::ip::tcp::no_delay(true), ec);
  emit_or_rethrow(*s, "connect");
  s->start_reader();
  if (!s->queue.empty() || s->ending) s->start_writer();
}
}  // namespace detail

/// Node's net.connect(port, host[, listener]): the listener is added for 'connect'. Writes made
/// before the connection is up are sent once it is.
template <class F = std::nullptr_t>
socket connect(std::uint16_t port, std::string host = "localhost", F&& on_connect = nullptr) {
  auto s = std::make_shared<detail::socket_state>(stream_socket(loop()));
  s->connecting = true;
  if constexpr (!std::is_same_v<std::decay_t<F>, std::nullptr_t>) s->once("connect", std::forward<F>(on_connect));
  net::co_spawn(loop(), detail::connect_socket(s, port, std::move(host)), detail::rethrow_completion{});
  return socket(std::move(s));
}

}  // namespace corohttp::node
