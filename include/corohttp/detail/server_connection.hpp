// One server connection: reads requests, hands each to the handler with its response, writes the
// responses in order, and enforces the limits and timeouts. Owned by its coroutine (run_connection);
// the server reaches it only through the core's list, to close it or check its deadlines.
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
#include <exception>
#include <memory>
#include <span>

namespace corohttp::detail {

class server_connection final : public message_source, public response_sink {
  using clock = std::chrono::steady_clock;

 public:
  server_connection(std::shared_ptr<server_core> core, stream_socket socket, net::cancellation_signal& stop)
      : core_(std::move(core)),
        socket_(std::move(socket)),
        stop_(&stop),
        buf_(core_->pool),
        parser_(message_type::request, parser_options_for(core_->options)),
        res_(core_->executor),
        closed_(core_->executor),
        hangup_watch_done_(core_->executor),
        timer_(core_->executor) {
    // Link into the core's list.
    next_ = core_->first;
    if (next_) next_->prev_ = this;
    core_->first = this;
    ++core_->connection_count;
    const auto now = clock::now();
    arm(headers_deadline_, core_->options.headers_timeout);
    arm(request_deadline_, core_->options.request_timeout);
    last_activity_ = now;
    idle_timeout_ = core_->options.timeout;
  }

  ~server_connection() {
    if (prev_) prev_->next_ = next_;
    else core_->first = next_;
    if (next_) next_->prev_ = prev_;
    --core_->connection_count;
    core_->maybe_closed();
  }

  server_connection* next() const noexcept { return next_; }

  /// Idle: between requests, nothing of the next one received (what close_idle_connections closes).
  bool idle() const noexcept { return idle_; }

  /// Ends the connection for `why`: pending socket operations and the running handler are
  /// cancelled; the connection's coroutine then closes the socket.
  void terminate(boost::system::error_code why) {
    if (terminated_) return;
    terminated_ = true;
    reason_ = why;
    boost::system::error_code ignored;
    socket_.cancel(ignored);
    timer_.cancel();
    stop_->emit(net::cancellation_type::terminal);  // whatever the connection's coroutine awaits, handler included
  }

  /// The server is closing: an idle connection ends now; a busy one after its current response,
  /// which says `Connection: close` if its head is not fixed yet.
  void begin_close() {
    if (idle_) return terminate(error::socket_timeout);
    res_.set_last();
  }

  /// Called by the server's checker with its coarse clock.
  void check_deadlines(clock::time_point now) {
    if (terminated_) return;
    if (headers_deadline_ && now >= *headers_deadline_) return terminate(error::request_timeout);
    if (request_deadline_ && now >= *request_deadline_) return terminate(error::request_timeout);
    if (keep_alive_deadline_ && now >= *keep_alive_deadline_) return terminate(error::socket_timeout);
    if (idle_timeout_.count() > 0 && now >= last_activity_ + idle_timeout_) {
      last_activity_ = now;  // once per idle period
      if (timeout_hook_) timeout_hook_();
      else if (core_->on_timeout) core_->on_timeout(socket_);
      else terminate(error::socket_timeout);
    }
  }

  awaitable<void> run() {
    // A terminate() cancels the operation being awaited; our own code goes on to close cleanly
    // (a handler runs with throwing re-enabled, as a spawned coroutine would).
    co_await net::this_coro::throw_if_cancelled(false);
    if (core_->on_connection) core_->on_connection(socket_);
    try {
      co_await serve();
    } catch (...) {
      // A failure of the connection itself (not of a handler): close it below.
    }
    if (!out_.empty() && !terminated_) {
      (void)co_await flush();
    }
    close_socket();
    // The watcher uses this connection: let it end first (a terminate() may cut a wait short).
    while (watching_hangup_) co_await hangup_watch_done_.wait();
    req_.mark_aborted();
    closed_.set();
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
  stream_socket& socket() noexcept override { return socket_; }
  void set_timeout(std::chrono::milliseconds ms, std::function<void()> hook) override {
    idle_timeout_ = ms;
    timeout_hook_ = std::move(hook);
    last_activity_ = core_->now;
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
    std::size_t written = socket_.write_some(std::span(bufs.data(), n), ec);
    if (ec == net::error::would_block || ec == net::error::try_again) {
      ec = {};
      written = 0;
    }
    if (ec) write_failed_ = true;
    if (ec || written == total) {
      out_.clear();
      last_activity_ = core_->now;
      return true;
    }
    sent = written;  // the socket is full: write_rest() waits for room
    return false;
  }
  awaitable<boost::system::error_code> write_rest(std::span<const std::string_view> pieces, std::size_t sent) override {
    std::array<net::const_buffer, 8> bufs;
    std::size_t n = gather(bufs, pieces, sent);
    auto [ec, written] = co_await net::async_write(socket_, std::span(bufs.data(), n), net::as_tuple(net::use_awaitable));
    out_.clear();
    if (ec) write_failed_ = true;
    last_activity_ = core_->now;
    if (terminated_ && !ec) ec = reason_;
    co_return ec;
  }
  std::string_view date() noexcept override { return core_->dates.now(); }

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

  static void arm(std::optional<clock::time_point>& d, std::chrono::milliseconds t) {
    if (t.count() > 0) d = clock::now() + t;
    else d.reset();
  }

  awaitable<void> watch_hangup() {
    while (!closed_.is_set() && !terminated_) {
      auto [ec] = co_await socket_.async_wait(net::socket_base::wait_read, net::as_tuple(net::use_awaitable));
      if (ec || terminated_) break;
      char probe;
      ssize_t n = ::recv(socket_.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
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
    request_deadline_.reset();
  }

  void close_socket() {
    boost::system::error_code ignored;
    if (socket_.is_open()) {
      socket_.shutdown(net::socket_base::shutdown_both, ignored);
      socket_.close(ignored);
    }
  }

  awaitable<boost::system::error_code> flush() {
    if (out_.empty()) co_return boost::system::error_code{};
    // Every write goes through one buffer-sequence type (a span), so Asio's write machinery is
    // instantiated once per translation unit (compile time).
    net::const_buffer b = net::buffer(out_);
    auto [ec, n] = co_await net::async_write(socket_, std::span(&b, 1), net::as_tuple(net::use_awaitable));
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
      auto [ec] = co_await socket_.async_wait(net::socket_base::wait_read, net::as_tuple(net::use_awaitable));
      if (terminated_) co_return reason_;
      if (ec) co_return ec;
    }
    for (;;) {
      auto [p, n] = buf_.prepare();
      if (n == 0) co_return error::header_overflow;
      boost::system::error_code ec;
      std::size_t got = socket_.read_some(net::buffer(p, n), ec);
      if (ec == net::error::would_block || ec == net::error::try_again) {
        auto [wec] = co_await socket_.async_wait(net::socket_base::wait_read, net::as_tuple(net::use_awaitable));
        if (terminated_) co_return reason_;
        if (wec) co_return wec;
        continue;
      }
      if (ec) co_return ec;
      buf_.commit(got);
      last_activity_ = core_->now;
      co_return boost::system::error_code{};
    }
  }

  // Reads until the parser has a head. On success the head's views point into buf_.
  awaitable<boost::system::error_code> read_head(std::size_t& head_size) {
    for (;;) {
      if (!buf_.empty() && idle_) {
        // The first byte of the next request: its clocks start now.
        idle_ = false;
        keep_alive_deadline_.reset();
        if (served_ > 0) {
          arm(headers_deadline_, core_->options.headers_timeout);
          arm(request_deadline_, core_->options.request_timeout);
        }
      }
      parser::step step = parser_.parse(buf_.data());
      switch (step.what) {
        case parser::event::head:
          head_size = step.consumed;
          headers_deadline_.reset();
          co_return boost::system::error_code{};
        case parser::event::need_more:
          buf_.consume(step.consumed);
          break;
        case parser::event::complete:  // the end of a body-less message
          buf_.consume(step.consumed);
          continue;
        case parser::event::error:
          co_return parser_.error();
        case parser::event::body:
        case parser::event::upgrade:
          co_return make_error_code(error::closed_connection);
      }
      if (buf_.empty() && parser_.between_messages()) idle_ = true;
      // fill(), inlined: one coroutine frame per head, not three.
      if (!out_.empty())
        if (auto ec = co_await flush()) co_return ec;
      if (terminated_) co_return reason_;
      if (buf_.empty()) {
        buf_.release_if_empty();  // an idle connection holds no buffer while it waits
        auto [ec] = co_await socket_.async_wait(net::socket_base::wait_read, net::as_tuple(net::use_awaitable));
        if (terminated_) co_return reason_;
        if (ec) co_return ec;
      }
      if (auto ec = read_available()) {
        if (ec != net::error::would_block) co_return ec;
        auto [wec] = co_await socket_.async_wait(net::socket_base::wait_read, net::as_tuple(net::use_awaitable));
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
    std::size_t got = socket_.read_some(net::buffer(p, n), ec);
    if (ec == net::error::try_again) ec = net::error::would_block;
    if (ec) return ec;
    buf_.commit(got);
    last_activity_ = core_->now;
    return {};
  }

  awaitable<void> serve() {
    for (;;) {
      std::size_t head_size = 0;
      if (auto ec = co_await read_head(head_size)) {
        if (terminated_ && reason_ == error::socket_timeout) co_return;  // keep-alive expiry: just close
        if (idle_ && !terminated_) co_return;                            // the client closed between requests
        co_await client_error(terminated_ ? reason_ : ec);
        co_return;
      }
      const message_head& head = parser_.head();
      req_.assign(head, this);
      body_finished_ = head.framing == body_framing::none;
      body_failed_ = false;
      if (body_finished_) request_deadline_.reset();
      ++served_;

      if (core_->options.require_host_header)
        if (auto ec = check_request(head)) {
          buf_.consume(head_size);
          co_await client_error(ec);
          co_return;
        }

      // CONNECT and Upgrade: the socket changes hands; the bytes after the head go with it.
      // Without a handler CONNECT closes; an Upgrade is served as an ordinary request, as in
      // modern Node.
      if (head.upgrade) {
        const upgrade_handler& h = head.method == method::connect ? core_->on_connect : core_->on_upgrade;
        if (h) {
          // Responses to earlier pipelined requests, still held back, leave before the socket
          // changes hands: the new protocol's first bytes must follow them, never precede them.
          if (auto ec = co_await flush()) co_return;
          buf_.consume(head_size);
          request_deadline_.reset();
          std::string rest(buf_.data());
          buf_.consume(rest.size());
          co_await run_cancellable(h(req_, socket_, rest));
          co_return;
        }
        if (head.method == method::connect) co_return;
        parser_.decline_upgrade();
      }
      buf_.consume(head_size);

      detail::response_context ctx;
      ctx.head_request = head.method == method::head;
      ctx.http10 = head.version_major == 1 && head.version_minor == 0;
      ctx.keep_alive = head.keep_alive && !core_->closing;
      ctx.last_allowed = core_->options.max_requests_per_socket > 0 && served_ >= core_->options.max_requests_per_socket;
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
        co_return;
      }
      if (body_failed_ && !wrote_response_) {
        // A body that broke the grammar (or its timeout) is the client's error, answered as such.
        co_await client_error(body_error_);
        co_return;
      }
      if (handler_failed_) {
        if (!res_.headers_sent()) {
          res_.status_code = 500;
          res_.set_last();
          (void)co_await res_.end();
        }
        co_return;
      }
      if (!res_.finished()) (void)co_await res_.end();  // a handler that returned without end()
      // A write that failed means the peer is gone: requests it left in the buffer go unanswered.
      if (terminated_ || write_failed_) co_return;

      // A body nobody read is read and dropped, within bounds, so it is never taken for a request.
      if (!body_finished_ && !co_await drain()) co_return;
      if (body_failed_) co_return;
      if (!res_.keep_alive() || core_->closing) co_return;
      if (core_->options.max_requests_per_socket > 0 && served_ >= core_->options.max_requests_per_socket)
        co_return;

      // Between requests.
      in_exchange_ = false;
      arm(keep_alive_deadline_, core_->options.keep_alive_timeout);
      headers_deadline_.reset();
      request_deadline_.reset();
      idle_ = true;
    }
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
      co_await run_cancellable(core_->on_client_error(ec, socket_));
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
    socket_.cancel(ignored);
    net::const_buffer b = net::buffer(out_);
    auto [wec, n] = co_await net::async_write(socket_, std::span(&b, 1), net::as_tuple(net::use_awaitable));
    out_.clear();
    if (!wec) co_await linger();
  }

  // Half-closes and reads what the client still sends for a short while, so that closing does not
  // reset the connection before the client has read our last response.
  awaitable<void> linger() {
    boost::system::error_code ec;
    socket_.shutdown(net::socket_base::shutdown_send, ec);
    if (ec) co_return;
    timer_.expires_after(std::chrono::milliseconds(500));
    timer_.async_wait([this](boost::system::error_code e) {
      if (!e) {
        boost::system::error_code ignored;
        socket_.cancel(ignored);
      }
    });
    std::array<char, 4096> sink;
    std::size_t total = 0;
    for (;;) {
      auto [rec, n] = co_await socket_.async_read_some(net::buffer(sink), net::as_tuple(net::use_awaitable));
      total += n;
      if (rec || total > 256 * 1024) break;
    }
    timer_.cancel();
  }

  std::shared_ptr<server_core> core_;
  stream_socket socket_;
  net::cancellation_signal* stop_;  // the connection coroutine's: see spawn_connection
  read_buffer buf_;
  parser parser_;
  incoming_message req_;
  server_response res_;
  async_event closed_;
  async_event hangup_watch_done_;
  bool watching_hangup_ = false;
  net::steady_timer timer_;
  std::string out_;  // responses held back to leave together

  server_connection* prev_ = nullptr;
  server_connection* next_ = nullptr;

  std::optional<clock::time_point> headers_deadline_, request_deadline_, keep_alive_deadline_;
  clock::time_point last_activity_;
  std::chrono::milliseconds idle_timeout_{0};
  std::function<void()> timeout_hook_;

  std::size_t served_ = 0;
  bool idle_ = true;
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

/// The coroutine that owns a connection.
inline awaitable<void> run_connection(std::shared_ptr<server_core> core, stream_socket socket,
                                      net::cancellation_signal& stop) {
  server_connection c(std::move(core), std::move(socket), stop);
  co_await c.run();
}

/// Starts a connection's coroutine with a cancellation signal that lives as long as it does, so
/// terminate() can cancel whatever it awaits (a handler's own operations included) without a
/// child coroutine per request.
inline void spawn_connection(std::shared_ptr<server_core> core, stream_socket socket) {
  auto stop = std::make_shared<net::cancellation_signal>();
  net::cancellation_signal& signal = *stop;
  net::any_io_executor ex = core->executor;
  net::co_spawn(ex, run_connection(std::move(core), std::move(socket), signal),
                net::bind_cancellation_slot(signal.slot(), [stop](std::exception_ptr) {}));
}

}  // namespace corohttp::detail
