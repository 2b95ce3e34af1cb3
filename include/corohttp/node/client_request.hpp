// Node's http.request() / http.get() and http.ClientRequest with events, over the core's
// corohttp::request() and corohttp::client_request:
//
//   auto req = node::request(options, [](node::incoming_message& res) {
//     res.on("data", [](std::string_view chunk) { ... });
//   });
//   req.on("error", [](boost::system::error_code ec) { ... });
//   req.write(body);
//   req.end();
//
// Events: 'socket' (socket), 'continue', 'response' (res; without a listener the response is
// read and dropped), 'upgrade' and 'connect' (res, socket, head; without a listener the socket is
// closed), 'abort', 'timeout' (set_timeout), 'error' (error_code; thrown from run() without a
// listener). The response is read once end() was called. A request is a handle: copies share one
// request; its listeners are dropped once it is done, which ends the cycles captures form.
//
// Node's agents are the core's: node::agent is a corohttp::agent on node::loop(), and
// `options.agent` / `options.no_agent` (Node's `agent: false`) choose one.
#pragma once

#include <corohttp/agent.hpp>
#include <corohttp/client_request.hpp>
#include <corohttp/io/async_event.hpp>
#include <corohttp/node/emitter_handle.hpp>
#include <corohttp/node/event_emitter.hpp>
#include <corohttp/node/incoming_message.hpp>
#include <corohttp/node/loop.hpp>
#include <corohttp/node/socket.hpp>
#include <corohttp/request.hpp>
#include <corohttp/request_options.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corohttp::node {

/// Node's http.Agent, on the loop.
class agent : public corohttp::agent {
 public:
  explicit agent(agent_options options = {}) : corohttp::agent(loop(), options) {}
};

/// Node's http.globalAgent.
inline corohttp::agent& global_agent() { return corohttp::global_agent(loop().get_executor()); }

namespace detail {

class client_state final : public event_emitter, public std::enable_shared_from_this<client_state> {
 public:
  explicit client_state(corohttp::client_request r) : core(std::move(r)), wake(loop().get_executor()), body_done(loop().get_executor()) {
    declare<socket>("socket");
    declare<>("continue");
    declare<incoming_message>("response");
    declare<incoming_message, socket, std::string_view>("upgrade");
    declare<incoming_message, socket, std::string_view>("connect");
    declare<>("abort");
    declare<>("drain");
    declare<>("timeout");
    declare<boost::system::error_code>("error");
  }

  struct item {
    std::string bytes;
    std::function<void()> callback;
    bool last = false;
  };

  corohttp::client_request core;
  corohttp::detail::async_event wake, body_done;
  std::deque<item> ops;
  std::size_t queued = 0;
  std::optional<incoming_message> res;
  socket sock;
  bool end_called = false, aborted = false, done = false, flush_asked = false, need_drain = false;

  bool write(std::string_view data, std::function<void()> cb, bool last) {
    ops.push_back(item{std::string(data), std::move(cb), last});
    queued += data.size();
    wake.set();
    bool ok = queued < high_water_mark;
    if (!ok) need_drain = true;
    return ok;
  }

  void abort() {
    if (aborted || done) return;
    aborted = true;
    core.abort();
    wake.set();
    net::post(loop(), [self = shared_from_this()] { emit_or_rethrow(*self, "abort"); });
  }

  static awaitable<void> drive(std::shared_ptr<client_state> st) {
    if (auto ec = st->core.error()) {
      st->fail(ec);
      co_return st->finish();
    }
    auto sec = co_await st->core.wait_socket();
    if (st->aborted) co_return st->finish();
    if (sec) {
      st->fail(sec);
      co_return st->finish();
    }
    st->sock = socket(std::make_shared<socket_state>(st->core.socket()));
    std::weak_ptr<client_state> w = st;
    st->sock.on("agentRemove", [w] {
      if (auto s = w.lock()) s->core.remove_from_agent();
    });
    emit_or_rethrow(*st, "socket", st->sock);

    if (auto expect = st->core.get_header("expect"); expect && ascii::iequals(*expect, "100-continue")) {
      auto cec = co_await st->core.wait_continue();  // sends the head now, as Node does for Expect
      if (!cec && !st->aborted) emit_or_rethrow(*st, "continue");
    }
    // The body: what the listeners queue, until end().
    for (;;) {
      st->wake.reset();
      while (!st->ops.empty() && !st->aborted) {
        item it = std::move(st->ops.front());
        st->ops.pop_front();
        auto ec = it.last ? co_await st->core.end(it.bytes) : co_await st->core.write(it.bytes);
        st->queued -= it.bytes.size();
        if (st->aborted) break;
        if (ec) {
          st->fail(ec);
          co_return st->finish();
        }
        if (it.callback) it.callback();
      }
      if (st->aborted) co_return st->finish();
      if (st->need_drain && st->ops.empty()) {
        st->need_drain = false;
        emit_or_rethrow(*st, "drain");
      }
      if (st->end_called && st->ops.empty()) break;
      if (st->flush_asked) {
        st->flush_asked = false;
        if (auto ec = co_await st->core.flush_headers()) {
          st->fail(ec);
          co_return st->finish();
        }
      }
      if (!st->wake.is_set()) co_await st->wake.wait();
    }

    // The response, or the switch of protocols.
    std::string method(st->core.method());
    bool is_connect = method == "CONNECT";
    incoming_message* res = nullptr;
    if (is_connect || st->core.has_header("upgrade")) {
      auto up = co_await st->core.upgrade();
      if (st->aborted) co_return st->finish();
      if (up.socket) {
        st->res.emplace(*up.response, loop().get_executor(), &st->body_done);
        socket s(std::make_shared<socket_state>(std::move(*up.socket)));
        const char* event = is_connect ? "connect" : "upgrade";
        if (st->listener_count(event) > 0) emit_or_rethrow(*st, event, *st->res, s, std::string_view(up.head));
        else s.destroy();
        co_return st->finish();
      }
      if (!up.response || up.ec != error::connection_closed) {
        st->fail(up.ec);
        co_return st->finish();
      }
      st->res.emplace(*up.response, loop().get_executor(), &st->body_done);  // answered without switching
      res = &*st->res;
    } else {
      auto r = co_await st->core.response();
      if (st->aborted) co_return st->finish();
      if (!r) {
        st->fail(r.ec);
        co_return st->finish();
      }
      st->res.emplace(*r.response, loop().get_executor(), &st->body_done);
      res = &*st->res;
    }
    if (st->listener_count("response") > 0) emit_or_rethrow(*st, "response", *res);
    else res->resume();  // nobody wants it: read and drop it, so the socket is freed
    co_await res->flow();
    co_return st->finish();
  }

 private:
  void fail(boost::system::error_code ec) {
    if (aborted) return;  // an aborted request reports 'abort', not an error
    if (ec == error::socket_timeout && listener_count("timeout") > 0) {
      emit_or_rethrow(*this, "timeout");
      return;
    }
    emit_or_rethrow(*this, "error", ec);
  }
  // Listeners go on the next turn, after events already posted ('abort').
  void finish() {
    done = true;
    net::post(loop(), [self = shared_from_this()] {
      if (self->res) self->res->remove_all_listeners();
      if (self->sock) self->sock.state()->remove_all_listeners();
      self->remove_all_listeners();
    });
  }
};

}  // namespace detail

class client_request : public emitter_handle<client_request, detail::client_state> {
 public:
  explicit client_request(std::shared_ptr<detail::client_state> s) : emitter_handle(std::move(s)) {}

  // --- headers (until they are sent) ---------------------------------------------------------------
  client_request& set_header(std::string_view name, std::string_view value) {
    if (auto ec = s_->core.set_header(name, value)) throw boost::system::system_error(ec, std::string(name));
    return *this;
  }
  std::optional<std::string_view> get_header(std::string_view name) const { return s_->core.get_header(name); }
  client_request& remove_header(std::string_view name) {
    if (auto ec = s_->core.remove_header(name)) throw boost::system::system_error(ec, std::string(name));
    return *this;
  }
  bool headers_sent() const { return s_->core.headers_sent(); }
  std::string_view method() const { return s_->core.method(); }
  std::string_view path() const { return s_->core.path(); }
  /// Node's req.reusedSocket: the socket served an earlier request (known once 'socket' came).
  bool reused_socket() const { return s_->core.reused_socket(); }

  // --- the body ------------------------------------------------------------------------------------
  /// Node's write(chunk[, callback]): true while less than high_water_mark bytes wait ('drain').
  bool write(std::string_view chunk, std::function<void()> on_flushed = {}) {
    if (s_->end_called) throw boost::system::system_error(make_error_code(error::write_after_end), "write");
    return s_->write(chunk, std::move(on_flushed), false);
  }
  /// Node's end([data][, callback]); the response is read from then on.
  void end(std::string_view data = {}, std::function<void()> on_sent = {}) {
    if (s_->end_called) return;
    s_->end_called = true;
    (void)s_->write(data, std::move(on_sent), true);
  }
  /// Node's flushHeaders().
  void flush_headers() {
    s_->flush_asked = true;
    s_->wake.set();
  }
  /// Node's abort(): the socket is destroyed; 'abort' is emitted once, on the next turn.
  void abort() { s_->abort(); }
  bool aborted() const { return s_->aborted; }

  // --- socket settings -----------------------------------------------------------------------------
  /// Node's setTimeout(ms[, callback]): the callback listens to 'timeout'; with a 'timeout'
  /// listener a timeout is not an 'error'.
  template <class F = std::nullptr_t>
  client_request& set_timeout(std::chrono::milliseconds ms, F&& on_timeout = nullptr) {
    if constexpr (!std::is_same_v<std::decay_t<F>, std::nullptr_t>) s_->once("timeout", std::forward<F>(on_timeout));
    s_->core.set_timeout(ms);
    return *this;
  }
  client_request& set_no_delay(bool on = true) {
    s_->core.set_no_delay(on);
    return *this;
  }
  client_request& set_socket_keep_alive(bool on = true, std::chrono::milliseconds initial_delay = {}) {
    s_->core.set_socket_keep_alive(on, initial_delay);
    return *this;
  }
  /// The coroutine-style request underneath.
  corohttp::client_request& core() { return s_->core; }
};

namespace detail {
template <class F>
client_request start_request(corohttp::client_request core, F&& on_response, bool end_now) {
  auto st = std::make_shared<client_state>(std::move(core));
  if constexpr (!std::is_same_v<std::decay_t<F>, std::nullptr_t>) st->once("response", std::forward<F>(on_response));
  net::co_spawn(loop(), client_state::drive(st), rethrow_completion{});
  client_request req(st);
  if (end_now) req.end();
  return req;
}
}  // namespace detail

/// Node's http.request(options[, callback]): the callback listens to 'response'. Call end().
template <class F = std::nullptr_t>
client_request request(request_options options, F&& on_response = nullptr) {
  return detail::start_request(corohttp::request(loop().get_executor(), std::move(options)), std::forward<F>(on_response), false);
}
/// Node's http.request(url[, callback]).
template <class F = std::nullptr_t>
client_request request(std::string_view url, F&& on_response = nullptr) {
  return detail::start_request(corohttp::request(loop().get_executor(), url), std::forward<F>(on_response), false);
}
/// Node's http.get(options[, callback]): a GET, already ended.
template <class F = std::nullptr_t>
client_request get(request_options options, F&& on_response = nullptr) {
  options.method = "GET";
  return detail::start_request(corohttp::request(loop().get_executor(), std::move(options)), std::forward<F>(on_response), true);
}
template <class F = std::nullptr_t>
client_request get(std::string_view url, F&& on_response = nullptr) {
  return detail::start_request(corohttp::get(loop().get_executor(), url), std::forward<F>(on_response), true);
}

/// What the deprecated http.createClient() returned: requests to one host and port.
class fixed_host_client {
 public:
  fixed_host_client(std::uint16_t port, std::string host) : port_(port), host_(std::move(host)) {}
  /// Old Node's client.request([method,] path[, headers]): call end() on it.
  client_request request(std::string method, std::string path,
                         std::vector<std::pair<std::string, std::string>> headers = {}) {
    request_options o;
    o.host = host_;
    o.port = port_;
    o.method = std::move(method);
    o.path = std::move(path);
    o.headers = std::move(headers);
    return node::request(std::move(o));
  }

 private:
  std::uint16_t port_;
  std::string host_;
};

/// Node's http.createClient([port][, host]) (deprecated there too).
[[deprecated("http.createClient is deprecated: use node::request()")]] inline fixed_host_client create_client(
    std::uint16_t port = 80, std::string host = "localhost") {
  return fixed_host_client(port, std::move(host));
}

}  // namespace corohttp::node
