// An agent's pools: the state behind corohttp::agent (agent.hpp), shared with the requests that use
// it. Only the compiled side of the client includes it (impl/agent.ipp, detail/client_exchange.hpp).
#pragma once

#include <corohttp/agent_options.hpp>
#include <corohttp/detail/client_connection.hpp>
#include <corohttp/io/async_event.hpp>
#include <corohttp/io/read_buffer.hpp>
#include <corohttp/io/stream.hpp>
#include <corohttp/request_options.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace corohttp {

namespace detail {

struct agent_pool {
  std::vector<std::unique_ptr<client_connection>> free;  // back = most recently freed
  std::size_t busy = 0;
  std::deque<async_event*> waiting;  // requests waiting for a socket, first come first served
};

/// A finished request's object, kept by its agent for the next request (client_request.hpp): its
/// strings and tables keep their storage, so a request through a warm agent allocates nothing.
struct pooled_exchange {
  virtual ~pooled_exchange() = default;
};

struct agent_state : std::enable_shared_from_this<agent_state> {
  agent_state(const net::any_io_executor& ex, agent_options o)
      : executor(ex), options(o), pool(32 * 1024) {}

  net::any_io_executor executor;
  agent_options options;
  buffer_pool pool;
  std::map<std::string, agent_pool, std::less<>> pools;
  std::size_t total = 0;  // busy + free sockets
  bool destroyed = false;
  std::vector<std::unique_ptr<pooled_exchange>> spare_exchanges;  // at most max_free_sockets

  agent_pool& at(std::string_view name) {
    auto it = pools.find(name);
    if (it == pools.end()) it = pools.emplace(std::string(name), agent_pool{}).first;
    return it->second;
  }

  static parser_options parser_options_for(const request_options& o) {
    parser_options popt;
    popt.max_header_size = o.max_header_size;
    popt.lenient = o.insecure_http_parser ? lenient_all : lenient_none;
    return popt;
  }

  /// A healthy free connection for `name`, taken at once; nullptr when there is none.
  /// First come, first served: a request that did not queue (`queued` false) takes nothing while
  /// others wait, so it cannot take the socket one of them was woken for (a waiter could starve).
  std::unique_ptr<client_connection> take_free(std::string_view name, const request_options& o, bool queued = false) {
    if (destroyed) return nullptr;
    prune();
    agent_pool& p = at(name);
    if (!queued && !p.waiting.empty()) return nullptr;
    const auto now = std::chrono::steady_clock::now();
    while (!p.free.empty()) {
      std::unique_ptr<client_connection> c;
      if (options.lifo) {
        c = std::move(p.free.back());
        p.free.pop_back();
      } else {
        c = std::move(p.free.front());
        p.free.erase(p.free.begin());
      }
      if (c->healthy(now)) {
        ++p.busy;
        c->reused = true;
        c->parse.reset();
        c->parse.options() = parser_options_for(o);
        return c;
      }
      c->close();
      --total;
    }
    return nullptr;
  }

  /// Node's agent: socket.setKeepAlive(true, keepAliveMsecs) on the sockets of a keepAlive agent.
  /// The kernel counts the delay in whole seconds (at least 1). A UNIX socket refuses both: ignored.
  void apply_tcp_keep_alive(stream_socket& s) const {
    boost::system::error_code ignored;
    s.set_option(net::socket_base::keep_alive(true), ignored);
    const int secs = static_cast<int>(std::max<std::chrono::milliseconds::rep>(options.keep_alive_msecs.count() / 1000, 1));
    (void)::setsockopt(s.native_handle(), IPPROTO_TCP, TCP_KEEPIDLE, &secs, sizeof secs);
  }

  /// A connection for `name`: a healthy free one, else a new one once the limits allow.
  awaitable<std::unique_ptr<client_connection>> acquire(std::string name, const request_options& o,
                                                          boost::system::error_code& ec, bool force_new) {
    auto self = shared_from_this();
    const parser_options popt = parser_options_for(o);
    bool waited = false;
    for (;;) {
      if (destroyed) {
        ec = error::agent_destroyed;
        co_return nullptr;
      }
      if (!force_new)
        if (auto c = take_free(name, o, waited)) co_return c;
      agent_pool& p = at(name);
      // A new request queues behind those already waiting (see take_free()).
      const bool behind_others = !waited && !p.waiting.empty();
      if (!behind_others && p.busy < options.max_sockets && total < options.max_total_sockets) {
        ++p.busy;
        ++total;
        auto c = std::make_unique<client_connection>(executor, pool, name, popt);
        ec = co_await c->connect(o);
        if (ec) {
          c->close();
          lost(name);
          co_return nullptr;
        }
        if (options.keep_alive) apply_tcp_keep_alive(c->socket);
        co_return c;
      }
      // Wait for a socket of this name to come back (or go away).
      // A waiter woken for nothing keeps its place at the front.
      async_event ready(executor);
      if (waited) p.waiting.push_front(&ready);
      else p.waiting.push_back(&ready);
      waited = true;
      co_await ready.wait();
      auto& q = at(name).waiting;
      for (auto it = q.begin(); it != q.end(); ++it)
        if (*it == &ready) {
          q.erase(it);
          break;
        }
    }
  }

  /// The exchange is done with `c`; `reusable` when the last message allows keeping it.
  void release(std::unique_ptr<client_connection> c, bool reusable) {
    agent_pool& p = at(c->name);
    --p.busy;
    // Without keep_alive a finished socket stays only for a request already queued for it.
    const bool wanted = options.keep_alive ? p.free.size() < options.max_free_sockets : has_unwoken_waiter(p);
    if (reusable && wanted && !destroyed && c->socket.is_open()) {
      c->idle_since = std::chrono::steady_clock::now();
      c->set_timeout(std::chrono::milliseconds(0));
      c->buf.release_if_empty();
      p.free.push_back(std::move(c));
    } else {
      c->close();
      --total;
    }
    wake(p);
  }

  /// A busy connection failed or was given up.
  void lost(std::string_view name) {
    agent_pool& p = at(name);
    --p.busy;
    --total;
    wake(p);
  }

  static bool has_unwoken_waiter(const agent_pool& p) {
    for (const async_event* w : p.waiting)
      if (!w->is_set()) return true;
    return false;
  }

  // Wakes the first waiter not woken yet: a woken one leaves the queue only when it runs, so
  // waking the front again would let a second freed socket wake nobody.
  void wake(agent_pool& p) {
    for (async_event* w : p.waiting)
      if (!w->is_set()) {
        w->set();
        return;
      }
  }

  void destroy() {
    destroyed = true;
    spare_exchanges.clear();
    for (auto& [name, p] : pools) {
      for (auto& c : p.free) {
        c->close();
        --total;
      }
      p.free.clear();
      for (auto* w : p.waiting) w->set();
    }
  }

  // Closes free sockets that idled past the agent's timeout or the server's keep-alive time, or
  // that the server has closed. Run lazily whenever the agent is used (at most every 250 ms): a
  // timer would keep io_context::run() from returning, where Node lets the process exit.
  void prune(bool force = false) {
    auto now = std::chrono::steady_clock::now();
    if (!force && now - last_prune < std::chrono::milliseconds(250)) return;
    last_prune = now;
    for (auto& [name, p] : pools) {
      std::erase_if(p.free, [&](std::unique_ptr<client_connection>& c) {
        bool expired = (c->expires && now >= *c->expires) ||
                       (options.timeout.count() > 0 && now - c->idle_since >= options.timeout) || !c->healthy(now);
        if (expired) {
          c->close();
          --total;
        }
        return expired;
      });
    }
  }
  std::chrono::steady_clock::time_point last_prune{};
};

}  // namespace detail

}  // namespace corohttp
