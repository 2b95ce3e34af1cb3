// Server connections. A connection_slot is what a connection keeps for its whole life: the socket,
// its deadlines and a few counters, in the core's list (where the server closes it and checks its
// deadlines). A server_connection is a worker: the parser, request, response, buffers and coroutine
// frames that read requests, hand each to the handler, write the responses in order and enforce the
// limits. A worker serves a connection while it has bytes to read or a response to finish; when the
// connection falls idle (between requests, nothing received) the worker parks it (a pending
// readability wait on its slot, nothing more) and serves whichever connection is ready next. So an
// idle keep-alive connection costs a slot, and the workers (as many as connections are busy at once)
// keep their frames from request to request: no allocation per request.
#pragma once

#include <corohttp/detail/server_core.hpp>
#include <corohttp/proto/parser.hpp>
#include <corohttp/proto/request_rules.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>
#include <cstring>
#include <exception>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace corohttp::detail {

class server_connection;

/// A connection's lasting state. While idle it is owned by its pending readability wait (parked),
/// while waiting for a worker by the core's ready queue, while served by nobody: its worker holds it.
class connection_slot {
  using clock = std::chrono::steady_clock;

 public:
  connection_slot(server_core& owner, stream_socket s) : core(&owner), socket(std::move(s)) {
    next_ = owner.first;
    if (next_) next_->prev_ = this;
    owner.first = this;
    ++owner.connection_count;
    const auto now = clock::now();
    arm(headers_deadline, now, owner.options.headers_timeout);
    arm(request_deadline, now, owner.options.request_timeout);
    last_activity = now;
    idle_timeout = owner.options.timeout;
  }
  connection_slot(const connection_slot&) = delete;
  connection_slot& operator=(const connection_slot&) = delete;
  ~connection_slot() {
    if (prev_) prev_->next_ = next_;
    else core->first = next_;
    if (next_) next_->prev_ = prev_;
    --core->connection_count;
    core->maybe_closed();
  }

  connection_slot* next() const noexcept { return next_; }

  /// Idle: between requests, nothing of the next one received (what close_idle_connections closes).
  bool idle() const noexcept { return idle_; }

  /// Ends the connection for `why`. A served connection's pending operations and handler are
  /// cancelled; a parked one's wait is cancelled, which hands it to a worker to close.
  inline void terminate(boost::system::error_code why);

  /// The server is closing: an idle connection ends now; a busy one after its current response,
  /// which says `Connection: close` if its head is not fixed yet.
  inline void begin_close();

  /// Called by the server's checker with its coarse clock.
  inline void check_deadlines(clock::time_point now);

  /// Sets deadline `d` to `now + t`, or clears it when `t` is 0 (that timeout is off).
  static void arm(std::optional<clock::time_point>& d, clock::time_point now, std::chrono::milliseconds t) {
    if (t.count() > 0) d = now + t;
    else d.reset();
  }

  server_core* core;
  stream_socket socket;
  connection_slot* next_ready = nullptr;    // the core's ready queue
  server_connection* worker = nullptr;      // while a worker serves it
  std::optional<clock::time_point> headers_deadline, request_deadline, keep_alive_deadline;
  clock::time_point last_activity;
  std::chrono::milliseconds idle_timeout{0};
  std::function<void()> timeout_hook;
  std::size_t served = 0;
  bool idle_ = true;
  bool terminated = false;  // while parked (a served connection's worker keeps its own)
  boost::system::error_code reason;
  // A parked connection waits by receiving the first bytes of its next request here: a receive
  // needs no epoll re-arm (a readability wait costs an epoll_ctl each time) and, after a read
  // that emptied the socket, no speculative recv either. Its worker copies them out.
  std::array<char, 128> landing;
  std::size_t landed = 0;
  // The memory of that receive's operation. A connection parks once per request; with many parked
  // at once, Asio's per-thread cache (two blocks) cannot recycle their operations, and each park
  // would cost a malloc and a free.
  alignas(std::max_align_t) std::array<unsigned char, 192> op_memory;
  bool op_memory_used = false;

 private:
  connection_slot* prev_ = nullptr;
  connection_slot* next_ = nullptr;
};

inline void make_ready(const std::shared_ptr<server_core>& core, connection_slot* s);
inline void ensure_worker(const std::shared_ptr<server_core>& core);

/// Allocates the parked receive's operation in its slot (std::allocator if it does not fit).
template <class T>
class slot_allocator {
 public:
  using value_type = T;
  explicit slot_allocator(connection_slot* s) noexcept : slot_(s) {}
  template <class U>
  slot_allocator(const slot_allocator<U>& o) noexcept : slot_(o.slot()) {}

  T* allocate(std::size_t n) {
    if (slot_ && !slot_->op_memory_used && n * sizeof(T) <= slot_->op_memory.size() &&
        alignof(T) <= alignof(std::max_align_t)) {
      slot_->op_memory_used = true;
      return reinterpret_cast<T*>(slot_->op_memory.data());
    }
    return std::allocator<T>().allocate(n);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (slot_ && reinterpret_cast<unsigned char*>(p) == slot_->op_memory.data()) slot_->op_memory_used = false;
    else std::allocator<T>().deallocate(p, n);
  }
  connection_slot* slot() const noexcept { return slot_; }
  template <class U>
  bool operator==(const slot_allocator<U>& o) const noexcept { return slot_ == o.slot(); }

 private:
  connection_slot* slot_;
};

/// The completion of a parked connection's wait (a receive into its landing array): queues the
/// connection for a worker.
/// It owns the slot until then, so a wait that never completes (its io_context went away) frees it.
class parked_wait {
 public:
  parked_wait(std::shared_ptr<server_core> core, connection_slot* s) : core_(std::move(core)), slot_(s) {}
  parked_wait(parked_wait&& o) noexcept : core_(std::move(o.core_)), slot_(std::exchange(o.slot_, nullptr)) {}
  parked_wait& operator=(parked_wait&&) = delete;
  ~parked_wait() { delete slot_; }
  using allocator_type = slot_allocator<void>;
  allocator_type get_allocator() const noexcept { return allocator_type(slot_); }
  void operator()(boost::system::error_code, std::size_t n) {
    // An error (the peer's end, a cancel) is read again by the worker, or is its termination.
    slot_->landed = n;
    make_ready(core_, std::exchange(slot_, nullptr));
  }

 private:
  std::shared_ptr<server_core> core_;
  connection_slot* slot_;
};

class server_connection final : public message_source, public response_sink {
  using clock = std::chrono::steady_clock;

 public:
  server_connection(std::shared_ptr<server_core> core, net::cancellation_signal& stop)
      : core_(std::move(core)),
        stop_(&stop),
        buf_(core_->pool),
        parser_(message_type::request, parser_options_for(core_->options)),
        res_(core_->executor),
        closed_(core_->executor),
        hangup_watch_done_(core_->executor),
        timer_(core_->executor),
        wake_(core_->executor, net::steady_timer::time_point::max()) {}
  ~server_connection() {
    std::erase(core_->idle_workers, this);
    // Destroyed while serving (its io_context went away mid-request): the connection goes with it.
    if (s_) {
      s_->worker = nullptr;
      delete s_;
    }
  }

  /// Ends the served connection for `why`: pending socket operations and the running handler are
  /// cancelled; the worker then closes the socket.
  void terminate(boost::system::error_code why) {
    if (terminated_) return;
    terminated_ = true;
    reason_ = why;
    boost::system::error_code ignored;
    s_->socket.cancel(ignored);
    timer_.cancel();
    stop_->emit(net::cancellation_type::terminal);  // whatever the connection's coroutine awaits, handler included
  }

  bool terminated() const noexcept { return terminated_; }
  /// The connection's response will be its last (the server is closing).
  void finish_last() { res_.set_last(); }

  /// The worker's life: serve ready connections until none needs it (see serve()).
  awaitable<void> run() {
    // A terminate() cancels the operation being awaited; our own code goes on to close cleanly
    // (a handler runs with throwing re-enabled, as a spawned coroutine would).
    co_await net::this_coro::throw_if_cancelled(false);
    co_await serve();
  }

  /// Wakes this worker from its wait for a ready connection.
  void wake(bool counted) noexcept {
    woken_ = counted;
    wake_.cancel();
  }

  // --- message_source ----------------------------------------------------------------------------
  awaitable<std::optional<std::string_view>> read_body(boost::system::error_code& ec) override {
    if (body_finished_) co_return std::nullopt;
    for (;;) {
      parser::step step = parser_.parse(buf_.data());
      switch (step.what) {
        case parser::event::body:
          buf_.consume(step.consumed);
          co_return step.body;
        case parser::event::complete:
          req_.set_trailers(parser_.trailers());
          buf_.consume(step.consumed);
          end_of_body();
          co_return std::nullopt;
        case parser::event::need_more:
          buf_.consume(step.consumed);
          if (auto e = co_await fill()) {
            ec = e;
            body_error_ = e;
            body_failed_ = true;
            end_of_body();
            co_return std::nullopt;
          }
          continue;
        case parser::event::error:
          ec = parser_.error();
          body_error_ = ec;
          body_failed_ = true;
          end_of_body();
          co_return std::nullopt;
        case parser::event::upgrade:
        case parser::event::head:
          end_of_body();
          co_return std::nullopt;
      }
    }
  }
  stream_socket& socket() noexcept override { return s_->socket; }
  void set_timeout(std::chrono::milliseconds ms, std::function<void()> hook) override {
    s_->idle_timeout = ms;
    s_->timeout_hook = std::move(hook);
    s_->last_activity = core_->now;
  }
  // Completes when the connection closes. While a handler runs nobody reads the socket, so a watcher
  // looks for the peer hanging up (EOF) in the meantime.
  awaitable<void> wait_closed() override {
    if (!closed_.is_set() && !watching_hangup_ && !terminated_) {
      watching_hangup_ = true;
      hangup_watch_done_.reset();
      net::co_spawn(core_->executor, watch_hangup(), net::detached);
    }
    co_await closed_.wait();
  }

  // --- response_sink -----------------------------------------------------------------------------
  bool try_write(std::span<const std::string_view> pieces, bool last, std::size_t& sent,
                 boost::system::error_code& ec) override {
    sent = 0;
    ec = {};
    if (terminated_) {
      ec = reason_ ? reason_ : make_error_code(net::error::operation_aborted);
      return true;
    }
    // A request whose body broke the grammar is answered 400 by the server, not by the handler.
    if (body_failed_ && body_error_.category() == error_category() && !wrote_response_) {
      ec = body_error_;
      return true;
    }
    wrote_response_ = true;
    std::size_t total = 0;
    for (auto p : pieces) total += p.size();
    // The response to a request with more requests already received waits to leave with theirs.
    if (last && body_finished_ && !buf_.empty() && out_.size() + total <= cork_limit) {
      for (auto p : pieces) out_.append(p);
      return true;
    }
    total += out_.size();
    if (total == 0) return true;
    std::array<net::const_buffer, 8> bufs;
    std::size_t n = gather(bufs, pieces, 0);
    // One buffer goes out with send(), cheaper in the kernel than sendmsg() with an iovec array.
    std::size_t written = n == 1 ? s_->socket.write_some(bufs[0], ec)
                                 : s_->socket.write_some(std::span(bufs.data(), n), ec);
    if (ec == net::error::would_block || ec == net::error::try_again) {
      ec = {};
      written = 0;
    }
    if (ec) write_failed_ = true;
    if (ec || written == total) {
      out_.clear();
      s_->last_activity = core_->now;
      return true;
    }
    sent = written;  // the socket is full: write_rest() waits for room
    return false;
  }
  awaitable<boost::system::error_code> write_rest(std::span<const std::string_view> pieces, std::size_t sent) override {
    std::array<net::const_buffer, 8> bufs;
    std::size_t n = gather(bufs, pieces, sent);
    auto [ec, written] = co_await net::async_write(s_->socket, std::span(bufs.data(), n), net::as_tuple(net::use_awaitable));
    out_.clear();
    if (ec) write_failed_ = true;
    s_->last_activity = core_->now;
    if (terminated_ && !ec) ec = reason_;
    co_return ec;
  }
  std::string_view date() noexcept override { return core_->dates.now(); }
  std::string_view keep_alive_fields() noexcept override { return core_->keep_alive_fields(); }

 private:
  static constexpr std::size_t cork_limit = 64 * 1024;

  // out_ (responses held back) then the pieces, leaving out the first `skip` bytes.
  std::size_t gather(std::array<net::const_buffer, 8>& bufs, std::span<const std::string_view> pieces,
                     std::size_t skip) const {
    std::size_t n = 0;
    auto add = [&](std::string_view p) {
      if (skip >= p.size()) {
        skip -= p.size();
        return;
      }
      bufs[n++] = net::buffer(p.data() + skip, p.size() - skip);
      skip = 0;
    };
    add(out_);
    for (auto p : pieces) add(p);
    return n;
  }

  // An Expect field other than 100-continue (417). The merged value is built only when the
  // request has the field at all.
  bool has_unmet_expectation(const message_head& head) const {
    for (header_field f : head.headers)
      if (f.name.size() == 6 && ascii::iequals(f.name, "expect")) {
        std::optional<std::string> expect = req_.get_header("expect");
        return expect && !ascii::iequals(*expect, "100-continue");
      }
    return false;
  }

  static parser_options parser_options_for(const server_options& o) {
    parser_options p;
    p.max_header_size = o.max_header_size;
    p.max_headers_count = o.max_headers_count;
    p.lenient = o.insecure_http_parser ? lenient_all : lenient_none;
    return p;
  }

  awaitable<void> watch_hangup() {
    while (!closed_.is_set() && !terminated_) {
      auto [ec] = co_await s_->socket.async_wait(net::socket_base::wait_read, net::as_tuple(net::use_awaitable));
      if (ec || terminated_) break;
      char probe;
      ssize_t n = ::recv(s_->socket.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        req_.mark_aborted();
        closed_.set();  // the peer is gone; writes will fail and the connection ends after the handler
        break;
      }
      if (n > 0) break;  // bytes of a next request are waiting: nothing to tell until they are read
    }
    watching_hangup_ = false;
    hangup_watch_done_.set();
  }

  void end_of_body() {
    body_finished_ = true;
    s_->request_deadline.reset();
  }

  void close_socket() {
    boost::system::error_code ignored;
    if (s_->socket.is_open()) {
      s_->socket.shutdown(net::socket_base::shutdown_both, ignored);
      s_->socket.close(ignored);
    }
  }

  awaitable<boost::system::error_code> flush() {
    if (out_.empty()) co_return boost::system::error_code{};
    // Every write goes through one buffer-sequence type (a span), so Asio's write machinery is
    // instantiated once per translation unit (compile time).
    net::const_buffer b = net::buffer(out_);
    auto [ec, n] = co_await net::async_write(s_->socket, std::span(&b, 1), net::as_tuple(net::use_awaitable));
    out_.clear();
    co_return ec;
  }

  // Reads more bytes. When the buffer is empty the connection holds no storage while it waits:
  // it waits for readability first and takes a block from the pool only when bytes are there.
  awaitable<boost::system::error_code> fill() {
    if (!out_.empty())
      if (auto ec = co_await flush()) co_return ec;
    if (terminated_) co_return reason_;
    if (buf_.empty()) {
      buf_.release_if_empty();
      auto [ec] = co_await s_->socket.async_wait(net::socket_base::wait_read, net::as_tuple(net::use_awaitable));
      if (terminated_) co_return reason_;
      if (ec) co_return ec;
    }
    for (;;) {
      auto [p, n] = buf_.prepare();
      if (n == 0) co_return error::header_overflow;
      boost::system::error_code ec;
      std::size_t got = s_->socket.read_some(net::buffer(p, n), ec);
      if (ec == net::error::would_block || ec == net::error::try_again) {
        auto [wec] = co_await s_->socket.async_wait(net::socket_base::wait_read, net::as_tuple(net::use_awaitable));
        if (terminated_) co_return reason_;
        if (wec) co_return wec;
        continue;
      }
      if (ec) co_return ec;
      buf_.commit(got);
      s_->last_activity = core_->now;
      co_return boost::system::error_code{};
    }
  }

  // The parse half of read_head(): true when it has decided (a head, or an error in `ec`); false
  // when more bytes are needed. A plain function, so that a head already in the buffer (the usual
  // case) costs no coroutine frame.
  bool head_from_buffer(std::size_t& head_size, boost::system::error_code& ec) {
    for (;;) {
      if (!buf_.empty() && s_->idle_) {
        // The first byte of the next request: its clocks start now.
        s_->idle_ = false;
        s_->keep_alive_deadline.reset();
        if (s_->served > 0) {
          const auto now = clock::now();
          connection_slot::arm(s_->headers_deadline, now, core_->options.headers_timeout);
          connection_slot::arm(s_->request_deadline, now, core_->options.request_timeout);
        }
      }
      parser::step step = parser_.parse(buf_.data());
      switch (step.what) {
        case parser::event::head:
          head_size = step.consumed;
          s_->headers_deadline.reset();
          ec = {};
          return true;
        case parser::event::need_more:
          buf_.consume(step.consumed);
          break;
        case parser::event::complete:  // the end of a body-less message
          buf_.consume(step.consumed);
          continue;
        case parser::event::error:
          ec = parser_.error();
          return true;
        case parser::event::body:
        case parser::event::upgrade:
          ec = make_error_code(error::closed_connection);
          return true;
      }
      if (buf_.empty() && parser_.between_messages()) s_->idle_ = true;
      return false;
    }
  }

  // Nothing buffered, nothing to flush, nothing of a next request: the connection can park now.
  bool ready_to_park() const noexcept {
    return buf_.empty() && s_->idle_ && !readable_ && out_.empty() && !terminated_;
  }

  // Reads until the parser has a head. On success the head's views point into buf_.
  awaitable<boost::system::error_code> read_head(std::size_t& head_size) {
    for (;;) {
      if (boost::system::error_code ec; head_from_buffer(head_size, ec)) co_return ec;
      // fill(), inlined: one coroutine frame per head, not three.
      if (!out_.empty())
        if (auto ec = co_await flush()) co_return ec;
      if (terminated_) co_return reason_;
      if (buf_.empty() && !readable_) {
        buf_.release_if_empty();  // an idle connection holds no buffer while it waits
        if (s_->idle_) co_return net::error::would_block;  // nothing of a next request: park
        auto [ec] = co_await s_->socket.async_wait(net::socket_base::wait_read, net::as_tuple(net::use_awaitable));
        if (terminated_) co_return reason_;
        if (ec) co_return ec;
      }
      readable_ = false;
      if (auto ec = read_available()) {
        if (ec != net::error::would_block) co_return ec;
        if (buf_.empty() && s_->idle_) {
          buf_.release_if_empty();
          co_return ec;  // woken for nothing: park again
        }
        auto [wec] = co_await s_->socket.async_wait(net::socket_base::wait_read, net::as_tuple(net::use_awaitable));
        if (terminated_) co_return reason_;
        if (wec) co_return wec;
      }
    }
  }

  // One read of what the socket holds, without waiting: would_block when it holds nothing.
  boost::system::error_code read_available() {
    auto [p, n] = buf_.prepare();
    if (n == 0) return error::header_overflow;
    boost::system::error_code ec;
    std::size_t got = s_->socket.read_some(net::buffer(p, n), ec);
    if (ec == net::error::try_again) ec = net::error::would_block;
    if (ec) return ec;
    buf_.commit(got);
    s_->last_activity = core_->now;
    return {};
  }

  // One frame for the worker's whole life, so that serving a request after a park allocates
  // nothing: take a ready connection; serve its requests until it falls idle (park it) or ends
  // (close it); take the next. Retire when none is ready and enough workers wait already.
  awaitable<void> serve() {
    for (;;) {
      if (!s_) {
        // A connection that is ready already is taken without a coroutine frame.
        if (connection_slot* s = pop_ready()) attach(s);
        else if (!co_await take_connection()) co_return;
        if ((co_await net::this_coro::cancellation_state).cancelled() != net::cancellation_type::none)
          co_await net::this_coro::reset_cancellation_state();
      }
      bool parked = false;
      try {
        for (;;) {
          std::size_t head_size = 0;
          boost::system::error_code head_ec;
          if (!head_from_buffer(head_size, head_ec)) {
            if (ready_to_park()) {
              parked = true;
              break;
            }
            head_ec = co_await read_head(head_size);
          }
          if (head_ec) {
            if (head_ec == net::error::would_block && s_->idle_ && !terminated_) {
              parked = true;
              break;
            }
            if (terminated_ && reason_ == error::socket_timeout) break;  // keep-alive expiry: just close
            if (s_->idle_ && !terminated_) break;                          // the client closed between requests
            co_await client_error(terminated_ ? reason_ : head_ec);
            break;
          }
          const message_head& head = parser_.head();
          req_.assign(head, this);
          body_finished_ = head.framing == body_framing::none;
          body_failed_ = false;
          if (body_finished_) s_->request_deadline.reset();
          ++s_->served;

          if (core_->options.require_host_header)
            if (auto ec = check_request(head)) {
              buf_.consume(head_size);
              co_await client_error(ec);
              break;
            }

          // CONNECT and Upgrade: the socket changes hands; the bytes after the head go with it.
          // Without a handler CONNECT closes; an Upgrade is served as an ordinary request, as in
          // modern Node.
          if (head.upgrade) {
            const upgrade_handler& h = head.method == method::connect ? core_->on_connect : core_->on_upgrade;
            if (h) {
              // Responses to earlier pipelined requests, still held back, leave before the socket
              // changes hands: the new protocol's first bytes must follow them, never precede them.
              if (auto ec = co_await flush()) break;
              buf_.consume(head_size);
              s_->request_deadline.reset();
              std::string rest(buf_.data());
              buf_.consume(rest.size());
              co_await run_cancellable(h(req_, s_->socket, rest));
              break;
            }
            if (head.method == method::connect) break;
            parser_.decline_upgrade();
          }
          buf_.consume(head_size);

          detail::response_context ctx;
          ctx.head_request = head.method == method::head;
          ctx.http10 = head.version_major == 1 && head.version_minor == 0;
          ctx.keep_alive = head.keep_alive && !core_->closing;
          ctx.last_allowed = core_->options.max_requests_per_socket > 0 && s_->served >= core_->options.max_requests_per_socket;
          ctx.keep_alive_header = core_->keep_alive_header;
          res_.reset(this, ctx);
          in_exchange_ = true;
          wrote_response_ = false;

          // Expect: 100-continue goes to checkContinue, or is answered for the client when the body is
          // first read (Node writes it before emitting 'request'; the effect for the client is the same).
          bool handled = false;
          if (has_unmet_expectation(head)) {
            (void)res_.write_head(417);
            (void)co_await res_.end();
            handled = true;
          } else if (head.expect_continue) {
            if (core_->on_check_continue) {
              co_await run_handler(core_->on_check_continue);
              handled = true;
            } else {
              (void)co_await res_.write_continue();
            }
          }
          if (!handled) {
            if (core_->on_request) {
              // run_handler(), inlined: the handler's frame and end()'s are all a request allocates,
              // and Asio's frame cache holds two.
              handler_failed_ = false;
              in_handler_ = true;
              if ((co_await net::this_coro::cancellation_state).cancelled() != net::cancellation_type::none)
                co_await net::this_coro::reset_cancellation_state();
              co_await net::this_coro::throw_if_cancelled(true);
              try {
                co_await core_->on_request(req_, res_);
              } catch (...) {
                handler_failed_ = true;
              }
              co_await net::this_coro::throw_if_cancelled(false);
              in_handler_ = false;
            } else {
              core_->pending.push_back(exchange{req_, res_});
              core_->request_ready.set();
              // The consumer holds req_ and res_ until it ends the response: a terminate() (which
              // cancels what this coroutine awaits) must not let the connection end before that.
              do co_await res_.wait_finish();
              while (!res_.writable_finished());
            }
          }
          if (terminated_) {
            if (reason_ == error::request_timeout && !res_.head_sent()) co_await client_error(reason_);
            break;
          }
          if (body_failed_ && !wrote_response_) {
            // A body that broke the grammar (or its timeout) is the client's error, answered as such.
            co_await client_error(body_error_);
            break;
          }
          if (handler_failed_) {
            if (!res_.headers_sent()) {
              res_.status_code = 500;
              res_.set_last();
              (void)co_await res_.end();
            }
            break;
          }
          if (!res_.finished()) (void)co_await res_.end();  // a handler that returned without end()
          // A write that failed means the peer is gone: requests it left in the buffer go unanswered.
          if (terminated_ || write_failed_) break;

          // A body nobody read is read and dropped, within bounds, so it is never taken for a request.
          if (!body_finished_ && !co_await drain()) break;
          if (body_failed_) break;
          if (!res_.keep_alive() || core_->closing) break;
          if (core_->options.max_requests_per_socket > 0 && s_->served >= core_->options.max_requests_per_socket)
            break;

          // Between requests.
          in_exchange_ = false;
          connection_slot::arm(s_->keep_alive_deadline, clock::now(), core_->options.keep_alive_timeout);
          s_->headers_deadline.reset();
          s_->request_deadline.reset();
          s_->idle_ = true;

        }
      } catch (...) {
        // A failure of the connection itself (not of a handler): close it below.
      }
      if (parked) {
        if (watching_hangup_) {  // a handler asked for 'close': its watcher lets go of the socket first
          boost::system::error_code ignored;
          s_->socket.cancel(ignored);
          while (watching_hangup_) co_await hangup_watch_done_.wait();
        }
        park();
      } else {
        co_await end_connection();
      }
    }
  }

  // The next connection in the ready queue, if any.
  connection_slot* pop_ready() {
    if (woken_) {
      woken_ = false;
      --core_->pending_workers;
    }
    connection_slot* s = core_->ready_first;
    if (!s) return nullptr;
    core_->ready_first = s->next_ready;
    if (!core_->ready_first) core_->ready_last = nullptr;
    s->next_ready = nullptr;
    ensure_worker(core_);  // more are waiting: someone comes for them if this worker is held up
    return s;
  }

  // Waits for a ready connection and attaches it; false: retire (enough workers wait, or nothing
  // can come any more).
  awaitable<bool> take_connection() {
    for (;;) {
      if (connection_slot* s = pop_ready()) {
        attach(s);
        co_return true;
      }
      if (!core_->accepting && core_->connection_count == 0) co_return false;
      if (core_->idle_workers.size() >= server_core::max_idle_workers) co_return false;
      buf_.release_if_empty();  // a waiting worker holds no read buffer
      core_->idle_workers.push_back(this);
      (void)co_await wake_.async_wait(net::as_tuple(net::use_awaitable));
      std::erase(core_->idle_workers, this);  // woken by closing rather than by a wake()
    }
  }

  void attach(connection_slot* s) {
    s_ = s;
    s->worker = this;
    terminated_ = s->terminated;
    reason_ = s->reason;
    // Bytes the parked wait received go first. A landing array they filled may have more behind
    // (pipelined requests): those are read now, so that the batch is answered in one write.
    // A connection ended while parked (its keep-alive timeout, the server closing) is only closed:
    // a request that landed in the same moment is not served, as before it was read.
    readable_ = true;
    if (std::size_t n = std::exchange(s->landed, 0); n > 0 && !s->terminated) {
      auto [p, room] = buf_.prepare();
      std::memcpy(p, s->landing.data(), n);
      buf_.commit(n);
      s->last_activity = core_->now;
      readable_ = false;
      if (n == s->landing.size()) {
        std::size_t before = buf_.size();
        auto ec = read_available();
        // An error is read again by read_head; a read that filled the buffer may have more behind.
        readable_ = ec ? ec != net::error::would_block : buf_.size() - before == room - n;
      }
    }
    closed_.reset();
    out_.clear();
    write_failed_ = false;
    in_exchange_ = false;
    wrote_response_ = false;
    body_finished_ = true;
    body_failed_ = false;
  }

  // The connection is idle: it waits for bytes as a slot, without this worker. The worker keeps
  // its (empty) read buffer for the next connection; it gives it back only when it waits itself.
  void park() {
    connection_slot* s = std::exchange(s_, nullptr);
    s->worker = nullptr;
    s->socket.async_receive(net::buffer(s->landing), parked_wait(core_, s));
  }

  awaitable<void> end_connection() {
    if (!out_.empty() && !terminated_) (void)co_await flush();
    close_socket();
    // The watcher uses this connection: let it end first (a terminate() may cut a wait short).
    while (watching_hangup_) co_await hangup_watch_done_.wait();
    req_.mark_aborted();
    closed_.set();
    buf_.consume(buf_.size());
    buf_.release_if_empty();
    parser_.reset();
    connection_slot* s = std::exchange(s_, nullptr);
    s->worker = nullptr;
    delete s;
  }

  awaitable<void> run_handler(const request_handler& h) {
    handler_failed_ = false;
    try {
      co_await run_cancellable(h(req_, res_));
    } catch (...) {
      handler_failed_ = true;
    }
  }

  // Runs a handler so that terminate() can cancel it (the connection's cancellation signal reaches
  // whatever it awaits), so a handler that waits forever cannot outlive its connection's timeouts.
  awaitable<void> run_cancellable(awaitable<void> work) {
    in_handler_ = true;
    if ((co_await net::this_coro::cancellation_state).cancelled() != net::cancellation_type::none)
      co_await net::this_coro::reset_cancellation_state();
    co_await net::this_coro::throw_if_cancelled(true);
    std::exception_ptr failure;
    try {
      co_await std::move(work);
    } catch (...) {
      failure = std::current_exception();
    }
    co_await net::this_coro::throw_if_cancelled(false);
    in_handler_ = false;
    if (failure) std::rethrow_exception(failure);
  }

  awaitable<bool> drain() {
    std::size_t dropped = 0;
    for (;;) {
      boost::system::error_code ec;
      auto chunk = co_await read_body(ec);
      if (!chunk) co_return !ec;
      dropped += chunk->size();
      if (dropped > core_->options.max_drain_size) co_return false;
    }
  }

  // Node's default 'clientError': a fixed response, then close. With a handler, the handler decides.
  awaitable<void> client_error(boost::system::error_code ec) {
    if (ec == net::error::eof || ec == net::error::connection_reset || ec == net::error::operation_aborted ||
        ec == net::error::broken_pipe)
      co_return;  // the peer went away: nobody to answer
    if (core_->on_client_error) {
      terminated_ = false;
      co_await run_cancellable(core_->on_client_error(ec, s_->socket));
      co_return;
    }
    if (in_exchange_ && wrote_response_) co_return;  // a response is under way: only closing is left
    std::string_view answer = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";
    if (ec == error::header_overflow) answer = "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n";
    else if (ec == error::request_timeout) answer = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n";
    else if (ec == error::chunk_extensions_overflow) answer = "HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n";
    out_.append(answer);  // after the responses to earlier requests still held back with it
    terminated_ = false;  // the answer must still go out
    boost::system::error_code ignored;
    s_->socket.cancel(ignored);
    net::const_buffer b = net::buffer(out_);
    auto [wec, n] = co_await net::async_write(s_->socket, std::span(&b, 1), net::as_tuple(net::use_awaitable));
    out_.clear();
    if (!wec) co_await linger();
  }

  // Half-closes and reads what the client still sends for a short while, so that closing does not
  // reset the connection before the client has read our last response.
  awaitable<void> linger() {
    boost::system::error_code ec;
    s_->socket.shutdown(net::socket_base::shutdown_send, ec);
    if (ec) co_return;
    timer_.expires_after(std::chrono::milliseconds(500));
    // The timer may fire just as the reads end, and its handler run after this connection is gone
    // (fuzz_connection found it): it touches the socket only while the flag says we still linger.
    auto lingering = std::make_shared<bool>(true);
    timer_.async_wait([lingering, socket = &s_->socket](boost::system::error_code e) {
      if (!e && *lingering) {
        boost::system::error_code ignored;
        socket->cancel(ignored);
      }
    });
    std::array<char, 4096> sink;
    std::size_t total = 0;
    for (;;) {
      auto [rec, n] = co_await s_->socket.async_read_some(net::buffer(sink), net::as_tuple(net::use_awaitable));
      total += n;
      if (rec || total > 256 * 1024) break;
    }
    *lingering = false;
    timer_.cancel();
  }

  std::shared_ptr<server_core> core_;
  connection_slot* s_ = nullptr;    // the connection being served
  net::cancellation_signal* stop_;  // the worker coroutine's: see spawn_worker
  read_buffer buf_;
  parser parser_;
  incoming_message req_;
  server_response res_;
  async_event closed_;
  async_event hangup_watch_done_;
  bool watching_hangup_ = false;
  net::steady_timer timer_;
  net::steady_timer wake_;  // cancelled to wake this worker while it waits for a ready connection
  std::string out_;  // responses held back to leave together

  bool readable_ = false;  // attached after a readability wait: read before parking again
  bool woken_ = true;      // started or woken by ensure_worker (counted in pending_workers)
  bool terminated_ = false;
  bool in_handler_ = false;
  bool handler_failed_ = false;
  bool in_exchange_ = false;    // a request is being answered (between its head and its response's end)
  bool wrote_response_ = false;  // bytes of the current response have gone out
  bool write_failed_ = false;    // a write to the socket failed: the connection ends after this exchange
  bool body_finished_ = true;
  bool body_failed_ = false;
  boost::system::error_code body_error_;
  boost::system::error_code reason_;
};

inline server_core::~server_core() {
  // Connections still waiting for a worker when the last worker and the server went away.
  while (connection_slot* s = ready_first) {
    ready_first = s->next_ready;
    delete s;
  }
}

inline void server_core::maybe_closed() {
  if (closing && !accept_loop_running && connection_count == 0) {
    closed.set();
    request_ready.set();
  }
  if (!accepting && connection_count == 0)  // nothing can come any more: idle workers retire
    for (server_connection* w : std::exchange(idle_workers, {})) w->wake(false);
}

inline void connection_slot::terminate(boost::system::error_code why) {
  if (worker) return worker->terminate(why);
  if (terminated) return;
  terminated = true;
  reason = why;
  boost::system::error_code ignored;
  socket.cancel(ignored);  // a parked wait completes: a worker takes the connection and ends it
}

inline void connection_slot::begin_close() {
  if (idle_) return terminate(error::socket_timeout);
  if (worker) worker->finish_last();
}

inline void connection_slot::check_deadlines(clock::time_point now) {
  if (worker ? worker->terminated() : terminated) return;
  if (headers_deadline && now >= *headers_deadline) return terminate(error::request_timeout);
  if (request_deadline && now >= *request_deadline) return terminate(error::request_timeout);
  if (keep_alive_deadline && now >= *keep_alive_deadline) return terminate(error::socket_timeout);
  if (idle_timeout.count() > 0 && now >= last_activity + idle_timeout) {
    last_activity = now;  // once per idle period
    if (timeout_hook) timeout_hook();
    else if (core->on_timeout) core->on_timeout(socket);
    else terminate(error::socket_timeout);
  }
}

/// A worker's coroutine.
inline awaitable<void> run_worker(std::shared_ptr<server_core> core, net::cancellation_signal& stop) {
  server_connection w(std::move(core), stop);
  co_await w.run();
}

/// Starts a worker with a cancellation signal that lives as long as it does, so terminate() can
/// cancel whatever it awaits (a handler's own operations included) without a child coroutine per
/// request.
inline void spawn_worker(const std::shared_ptr<server_core>& core) {
  auto stop = std::make_shared<net::cancellation_signal>();
  net::cancellation_signal& signal = *stop;
  net::co_spawn(core->executor, run_worker(core, signal),
                net::bind_cancellation_slot(signal.slot(), [stop](std::exception_ptr) {}));
}

/// Makes sure a worker is on its way while connections wait in the ready queue: an idle one is
/// woken, or a new one started. One is enough: it takes the next connection and, if more wait,
/// makes sure of the next worker in turn, so a worker held up by a handler never holds up others.
inline void ensure_worker(const std::shared_ptr<server_core>& core) {
  if (!core->ready_first || core->pending_workers > 0) return;
  ++core->pending_workers;
  if (!core->idle_workers.empty()) {
    server_connection* w = core->idle_workers.back();
    core->idle_workers.pop_back();
    w->wake(true);
  } else {
    spawn_worker(core);
  }
}

/// Queues a connection for a worker.
inline void make_ready(const std::shared_ptr<server_core>& core, connection_slot* s) {
  s->next_ready = nullptr;
  if (core->ready_last) core->ready_last->next_ready = s;
  else core->ready_first = s;
  core->ready_last = s;
  ensure_worker(core);
}

/// A new connection: announced, then served by the next worker.
inline void spawn_connection(const std::shared_ptr<server_core>& core, stream_socket socket) {
  auto* s = new connection_slot(*core, std::move(socket));
  if (core->on_connection) core->on_connection(s->socket);
  make_ready(core, s);
}

}  // namespace corohttp::detail
