// Node's http.Server with events, over the core's corohttp::server:
//
//   auto server = node::create_server([](node::incoming_message& req, node::server_response& res) {
//     res.write_head(200, {{"Content-Type", "text/plain"}});
//     res.end("okay");
//   });
//   server.listen(8080, "127.0.0.1", [] { std::puts("listening"); });
//   node::run();
//
// Events: 'request' (req, res), 'checkContinue' (req, res; when it has a listener 'request' is
// not emitted for that request), 'connection' (socket), 'connect' and 'upgrade' (req, socket,
// head), 'clientError' (error_code, socket; the listener answers, then the connection closes),
// 'listening', 'close', 'timeout' (socket), 'error' (error_code, e.g. from listen()).
// The server is a handle: copies share one server. After 'close' its listeners are dropped.
#pragma once

#include <corohttp/node/emitter_handle.hpp>
#include <corohttp/node/event_emitter.hpp>
#include <corohttp/node/incoming_message.hpp>
#include <corohttp/node/loop.hpp>
#include <corohttp/node/server_response.hpp>
#include <corohttp/node/socket.hpp>
#include <corohttp/server.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

namespace corohttp::node {

namespace detail {

class server_state final : public event_emitter, public std::enable_shared_from_this<server_state> {
 public:
  server_state() : core(loop()) {
    declare<incoming_message, server_response>("request");
    declare<incoming_message, server_response>("checkContinue");
    declare<socket>("connection");
    declare<incoming_message, socket, std::string_view>("connect");
    declare<incoming_message, socket, std::string_view>("upgrade");
    declare<boost::system::error_code, socket>("clientError");
    declare<>("listening");
    declare<>("close");
    declare<socket>("timeout");
    declare<boost::system::error_code>("error");
  }

  corohttp::server core;
  std::shared_ptr<server_state> self;  // a listening server lives until closed, as in Node

  // The core's handlers hold the state weakly: connections may outlive the last handle.
  void install_request_handler() {
    std::weak_ptr<server_state> w = shared_from_this();
    core.on_request([w](corohttp::incoming_message& req, corohttp::server_response& res) {
      return serve(w, req, res, false);
    });
  }

 protected:
  void listener_added(std::string_view event) override {
    std::weak_ptr<server_state> w = weak_from_this();
    if (event == "checkContinue") {
      core.on_check_continue([w](corohttp::incoming_message& req, corohttp::server_response& res) {
        return serve(w, req, res, true);
      });
    } else if (event == "upgrade" || event == "connect") {
      auto h = [w, name = std::string(event)](corohttp::incoming_message& req, stream_socket& s,
                                               std::string_view head) { return take_over(w, name, req, s, head); };
      if (event == "upgrade") core.on_upgrade(h);
      else core.on_connect(h);
    } else if (event == "clientError") {
      core.on_client_error([w](boost::system::error_code ec, stream_socket& s) { return client_error(w, ec, s); });
    } else if (event == "connection") {
      core.on_connection([w](stream_socket& s) {
        if (auto st = w.lock()) {
          socket sock(std::make_shared<socket_state>(s));
          emit_or_rethrow(*st, "connection", sock);
        }
      });
    }
  }

 private:
  // One request: emits 'request' (or 'checkContinue'), then writes what the listeners queue and
  // pumps the request body to them, until the response has finished and nobody reads, or the
  // connection is gone. Everything it started has ended before it returns: the core's request and
  // response die with it.
  static awaitable<void> serve(std::weak_ptr<server_state> w, corohttp::incoming_message& creq,
                               corohttp::server_response& cres, bool check_continue) {
    co_await net::this_coro::throw_if_cancelled(false);
    auto ex = co_await net::this_coro::executor;
    corohttp::detail::async_event wake(ex), body_done(ex), watch_done(ex);
    incoming_message req(creq, ex, &wake);
    server_response res(cres, wake);
    {
      auto st = w.lock();
      if (!st) co_return;
      if (check_continue && st->listener_count("checkContinue") == 0) {
        res.write_continue();  // no listener (any more): Node's default
        check_continue = false;
      }
      emit_or_rethrow(*st, check_continue ? "checkContinue" : "request", req, res);
    }
    net::co_spawn(ex, req.flow(), [&body_done](std::exception_ptr e) {
      body_done.set();
      rethrow_from_run(e);
    });
    bool closed = false;
    net::cancellation_signal stop_watch;
    net::co_spawn(ex, watch_close(&cres, &closed, &wake),
                  net::bind_cancellation_slot(stop_watch.slot(), [&watch_done](std::exception_ptr) { watch_done.set(); }));
    bool broken = false;
    for (;;) {
      wake.reset();
      bool ok = co_await res.flush();
      auto cs = co_await net::this_coro::cancellation_state;
      if (!ok || closed || cs.cancelled() != net::cancellation_type::none) {
        broken = !res.flushed_end();
        break;
      }
      if (res.flushed_end() && req.idle() && !res.has_pending()) break;
      if (!wake.is_set()) co_await wake.wait();
    }
    req.stop();
    while (!body_done.is_set()) co_await body_done.wait();
    stop_watch.emit(net::cancellation_type::terminal);
    while (!watch_done.is_set()) co_await watch_done.wait();
    if (broken) {
      emit_or_rethrow(res, "close");
      req.emit_close();
    }
    res.remove_all_listeners();
    req.remove_all_listeners();
  }

  static awaitable<void> watch_close(corohttp::server_response* res, bool* closed, corohttp::detail::async_event* wake) {
    co_await res->wait_close();
    auto cs = co_await net::this_coro::cancellation_state;
    if (cs.cancelled() == net::cancellation_type::none) {
      *closed = true;
      wake->set();
    }
  }

  // 'upgrade' and 'connect': the socket becomes the listener's (a node::socket that owns it).
  static awaitable<void> take_over(std::weak_ptr<server_state> w, std::string event, corohttp::incoming_message& creq,
                                   stream_socket& s, std::string_view head) {
    auto st = w.lock();
    if (!st || st->listener_count(event) == 0) co_return;  // the connection closes, as in Node
    auto ex = co_await net::this_coro::executor;
    incoming_message req(creq, ex);
    socket sock(std::make_shared<socket_state>(std::move(s)));
    emit_or_rethrow(*st, event, req, sock, head);
  }

  static awaitable<void> client_error(std::weak_ptr<server_state> w, boost::system::error_code ec, stream_socket& s) {
    auto st = w.lock();
    if (!st) co_return;
    socket sock(std::make_shared<socket_state>(s));
    emit_or_rethrow(*st, "clientError", ec, sock);
    co_await sock.flushed();  // what the listener wrote goes out before the connection closes
  }
};

}  // namespace detail

class server : public emitter_handle<server, detail::server_state> {
 public:
  explicit server(std::shared_ptr<detail::server_state> s) : emitter_handle(std::move(s)) {}

  // --- listening ---------------------------------------------------------------------------------
  /// Node's listen(port[, hostname][, backlog][, callback]): the callback listens to 'listening'.
  /// Failures are 'error' events (thrown from run() without a listener).
  template <class F = std::nullptr_t>
  server& listen(std::uint16_t port, std::string_view host = {}, F&& on_listening = nullptr) {
    return started(s_->core.listen(port, host), std::forward<F>(on_listening));
  }
  template <class F>
    requires std::is_invocable_v<F&>
  server& listen(std::uint16_t port, F&& on_listening) {
    return listen(port, std::string_view{}, std::forward<F>(on_listening));
  }
  /// Node's listen(path[, callback]): a UNIX-domain socket.
  template <class F = std::nullptr_t>
  server& listen_path(std::string_view path, F&& on_listening = nullptr) {
    return started(s_->core.listen(path), std::forward<F>(on_listening));
  }
  /// Node's listen(handle[, callback]): {fd: n}.
  template <class F = std::nullptr_t>
  server& listen(native_listener handle, F&& on_listening = nullptr) {
    return started(s_->core.listen(handle), std::forward<F>(on_listening));
  }
  server_address address() const { return s_->core.address(); }
  bool listening() const { return s_->core.listening(); }

  /// Node's close([callback]): stops accepting; 'close' (and the callback) once every connection
  /// has ended.
  template <class F = std::nullptr_t>
  server& close(F&& on_close = nullptr) {
    if constexpr (!std::is_same_v<std::decay_t<F>, std::nullptr_t>) s_->once("close", std::forward<F>(on_close));
    s_->core.close();
    net::co_spawn(loop(), wait_closed(s_), detail::rethrow_completion{});
    return *this;
  }

  // --- limits --------------------------------------------------------------------------------------
  /// Node's server.maxHeadersCount.
  std::size_t& max_headers_count() { return s_->core.options().max_headers_count; }
  /// Node's server.timeout (ms); set_timeout() applies a change.
  std::chrono::milliseconds timeout() const { return s_->core.options().timeout; }
  /// Node's setTimeout(msecs[, callback]): the callback listens to 'timeout' (socket); with no
  /// 'timeout' listener a timed-out socket is destroyed.
  template <class F = std::nullptr_t>
  server& set_timeout(std::chrono::milliseconds ms, F&& on_timeout = nullptr) {
    if constexpr (!std::is_same_v<std::decay_t<F>, std::nullptr_t>) s_->on("timeout", std::forward<F>(on_timeout));
    std::weak_ptr<detail::server_state> w = s_;
    s_->core.set_timeout(ms, [w](stream_socket& sock) {
      auto st = w.lock();
      if (st && st->listener_count("timeout") > 0) {
        socket handle(std::make_shared<detail::socket_state>(sock));
        detail::emit_or_rethrow(*st, "timeout", handle);
      } else {
        boost::system::error_code ignored;
        sock.shutdown(net::socket_base::shutdown_both, ignored);
      }
    });
    return *this;
  }
  /// The coroutine-style server underneath.
  corohttp::server& core() { return s_->core; }

 private:
  template <class F>
  server& started(boost::system::error_code ec, F&& on_listening) {
    if constexpr (!std::is_same_v<std::decay_t<F>, std::nullptr_t>) {
      if (!ec) s_->once("listening", std::forward<F>(on_listening));
    }
    if (!ec) s_->self = s_;
    // Node emits both on the next turn of the loop, so listeners added after listen() see them.
    net::post(loop(), [st = s_, ec] {
      if (ec) st->emit("error", ec);
      else st->emit("listening");
    });
    return *this;
  }

  static awaitable<void> wait_closed(std::shared_ptr<detail::server_state> st) {
    co_await st->core.closed();
    if (!st->self) co_return;  // another close() reported it
    st->self.reset();
    st->emit("close");
    st->remove_all_listeners();
  }
};

/// Node's http.createServer([requestListener]).
template <class F = std::nullptr_t>
server create_server(F&& on_request = nullptr) {
  auto st = std::make_shared<detail::server_state>();
  st->install_request_handler();
  if constexpr (!std::is_same_v<std::decay_t<F>, std::nullptr_t>) st->on("request", std::forward<F>(on_request));
  return server(std::move(st));
}

}  // namespace corohttp::node
