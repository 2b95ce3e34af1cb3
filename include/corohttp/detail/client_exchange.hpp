// The work behind a client_request: one request and its response on a connection from the agent.
// Only the compiled side of the client includes it (impl/client_request.ipp, impl/request.ipp).
// client_request.hpp comes last: header-only, it brings the definitions this class relies on, which
// need the class complete.
#pragma once

#include <corohttp/agent.hpp>
#include <corohttp/detail/agent_state.hpp>
#include <corohttp/detail/base64.hpp>
#include <corohttp/detail/client_connection.hpp>
#include <corohttp/detail/exchange_ref.hpp>
#include <corohttp/incoming_message.hpp>
#include <corohttp/io/async_event.hpp>
#include <corohttp/proto/outgoing_headers.hpp>
#include <corohttp/proto/serializer.hpp>
#include <corohttp/request_options.hpp>
#include <corohttp/response_result.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <charconv>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace corohttp::detail {

inline bool is_idempotent(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "TRACE" || m == "PUT" || m == "DELETE";
}

class client_exchange final : public message_source, public pooled_exchange {
  using clock = std::chrono::steady_clock;
  friend class exchange_ref;

 public:
  client_exchange(const net::any_io_executor& ex, request_options o)
      : executor_(ex), opt_(std::move(o)), socket_ready_(ex), continue_(ex), closed_(ex) {}

  /// An exchange for a request with `o`: a spare one of its agent when there is one.
  static exchange_ref make(const net::any_io_executor& ex, request_options&& o) {
    if (o.no_agent) return exchange_ref(new client_exchange(ex, std::move(o)));
    const std::shared_ptr<agent_state>& a = (o.agent ? *o.agent : global_agent(ex)).state();
    client_exchange* x = nullptr;
    if (!a->spare_exchanges.empty() && static_cast<client_exchange*>(a->spare_exchanges.back().get())->executor_ == ex) {
      x = static_cast<client_exchange*>(a->spare_exchanges.back().release());
      a->spare_exchanges.pop_back();
      x->opt_ = std::move(o);
    } else {
      x = new client_exchange(ex, std::move(o));
    }
    x->agent_ = a;  // init() needs no second look-up
    return exchange_ref(x);
  }

  // --- set-up ------------------------------------------------------------------------------------
  boost::system::error_code init() {
    if (opt_.protocol != "http:") return error::unsupported_protocol;
    if (auto ec = check_request_target(opt_.path)) return ec;
    if (!ascii::is_token(opt_.method)) return error::invalid_http_token;
    for (auto& [n, v] : opt_.headers)
      if (auto ec = headers_.append(n, v)) return ec;
    if (opt_.no_agent) {
      own_agent_ = std::make_shared<agent_state>(executor_, agent_options{});
      agent_ = own_agent_;
    } else if (!agent_) {
      agent_ = (opt_.agent ? *opt_.agent : global_agent(executor_)).state();
    }
    // Node asks for keep-alive from an agent that keeps sockets, and from one with a socket limit,
    // which hands a finished socket to the next queued request.
    keep_alive_ = !opt_.no_agent && (agent_->options.keep_alive ||
                                     agent_->options.max_sockets != std::numeric_limits<std::size_t>::max());
    agent::write_name(name_, opt_);
    method_ = parse_method(opt_.method);
    return {};
  }

  // Gets a socket from the agent straight away, as Node does: a free one at once, without a
  // coroutine, else from a coroutine that waits for the agent.
  void start() {
    // (A request with Expect writes its head as soon as it has a socket: get_socket() does that.)
    if (!headers_.has("expect"))
      if (auto c = agent_->take_free(name_, opt_)) {
        attach(std::move(c));
        socket_ready_.set();
        return;
      }
    net::co_spawn(executor_, get_socket(exchange_ref(this), false), net::detached);
  }

  // --- headers -----------------------------------------------------------------------------------
  outgoing_headers& headers() noexcept { return headers_; }
  bool head_sent() const noexcept { return head_sent_; }
  const request_options& options() const noexcept { return opt_; }
  bool reused_socket() const noexcept { return reused_; }

  // --- writing (`init`: the request's set-up error, returned first) ------------------------------------
  awaitable<boost::system::error_code> flush_headers(boost::system::error_code init = {}) {
    return step<boost::system::error_code>(send_kind::flush, {}, init, read_goal::none);
  }
  awaitable<boost::system::error_code> write(std::string_view data, boost::system::error_code init = {}) {
    return step<boost::system::error_code>(send_kind::write, data, init, read_goal::none);
  }
  awaitable<boost::system::error_code> end(std::string_view data, boost::system::error_code init = {}) {
    return step<boost::system::error_code>(send_kind::end, data, init, read_goal::none);
  }

  // --- events ------------------------------------------------------------------------------------
  awaitable<boost::system::error_code> socket_event() {
    exchange_ref self(this);
    co_await socket_ready_.wait();
    co_return ec_;
  }

  awaitable<boost::system::error_code> continue_event(boost::system::error_code init = {}) {
    return step<boost::system::error_code>(send_kind::flush, {}, init, read_goal::continue_or_final);
  }

  awaitable<response_result> response(boost::system::error_code init = {}) {
    return step<response_result>(send_kind::end, {}, init, read_goal::final);
  }

  awaitable<upgrade_result> take_over() {
    exchange_ref self(this);
    upgrade_result out;
    auto r = co_await response();
    out.ec = r.ec;
    out.response = r.response;
    if (r.ec) co_return out;
    if (!upgraded_ || !conn_) {
      out.ec = error::connection_closed;  // the server answered without switching
      co_return out;
    }
    out.head.assign(conn_->buf.data());
    conn_->buf.consume(out.head.size());
    out.socket.emplace(std::move(conn_->socket));
    if (!removed_) agent_->lost(conn_->name);
    conn_.reset();
    co_return out;
  }

  void abort() {
    if (aborted_) return;
    aborted_ = true;
    if (!ec_) ec_ = error::aborted;
    retire();
    res_.mark_aborted();
    socket_ready_.set();
    closed_.set();
  }

  void set_timeout(std::chrono::milliseconds ms) {
    opt_.timeout = ms;
    if (conn_) conn_->set_timeout(ms);
  }
  void set_no_delay(bool on) {
    no_delay_ = on;
    if (conn_ && conn_->socket.is_open()) {
      boost::system::error_code ignored;
      conn_->socket.set_option(net::ip::tcp::no_delay(on), ignored);
    }
  }
  void set_socket_keep_alive(bool on, std::chrono::milliseconds initial_delay) {
    tcp_keep_alive_ = on;
    keep_alive_delay_ = initial_delay;
    apply_socket_keep_alive();
  }

  /// Node's socket 'agentRemove': the socket leaves its agent now (it no longer counts against
  /// max_sockets; a queued request may take its place) and is closed, never pooled, when done.
  void remove_from_agent() {
    if (!conn_ || removed_) return;
    removed_ = true;
    agent_->lost(conn_->name);
  }

  /// The client_request handle is gone: a response not read to its end cannot leave its socket
  /// reusable.
  void abandon() {
    if (conn_) abort();
  }

  // --- message_source (the response body) --------------------------------------------------------
  awaitable<std::optional<std::string_view>> read_body(boost::system::error_code& ec) override {
    if (!conn_ || body_done_) {
      if (!body_done_ && ec_) ec = ec_;
      co_return std::nullopt;
    }
    exchange_ref self(this);
    for (;;) {
      parser::step s = conn_->parse.parse(conn_->buf.data());
      switch (s.what) {
        case parser::event::body:
          conn_->buf.consume(s.consumed);
          co_return s.body;
        case parser::event::complete:
          res_.set_trailers(conn_->parse.trailers());
          conn_->buf.consume(s.consumed);
          finish(true);
          co_return std::nullopt;
        case parser::event::need_more: {
          conn_->buf.consume(s.consumed);
          client_connection* c = conn_.get();  // kept alive (retired_) even if aborted meanwhile
          auto [space, len] = c->buf.prepare();
          boost::system::error_code e = error::header_overflow;
          if (len > 0) {
            auto [rec, got] = co_await c->socket.async_read_some(net::buffer(space, len), net::as_tuple(net::use_awaitable));
            e = c->filled(rec, got);
          }
          if (e) {
            if (!conn_) {  // aborted while waiting
              ec = ec_ ? ec_ : make_error_code(error::aborted);
              co_return std::nullopt;
            }
            if (e == net::error::eof) {
              // A body delimited by the end of the connection ends here.
              parser::step f = conn_->parse.finish();
              if (f.what == parser::event::complete) {
                finish(false);
                co_return std::nullopt;
              }
            }
            ec = ec_ = e == net::error::eof ? make_error_code(error::connection_closed) : e;
            fail();
            co_return std::nullopt;
          }
          continue;
        }
        case parser::event::error:
          ec = ec_ = conn_->parse.error();
          fail();
          co_return std::nullopt;
        default:
          finish(false);
          co_return std::nullopt;
      }
    }
  }
  stream_socket& socket() noexcept override { return conn_ ? conn_->socket : dummy_socket(); }
  void set_timeout(std::chrono::milliseconds ms, std::function<void()> hook) override {
    timeout_hook_ = std::move(hook);
    if (conn_) conn_->on_timeout = timeout_hook_;
    set_timeout(ms);
  }
  awaitable<void> wait_closed() override { return closed_.wait(); }

 private:
  stream_socket& dummy_socket() {
    if (!dummy_) dummy_.emplace(executor_);
    return *dummy_;
  }

  static awaitable<void> get_socket(exchange_ref self, bool force_new) {
    boost::system::error_code ec;
    auto c = co_await self->agent_->acquire(self->name_, self->opt_, ec, force_new);
    if (self->aborted_) {
      if (c) self->agent_->release(std::move(c), true);
      co_return;
    }
    if (ec) {
      self->ec_ = ec;
      self->socket_ready_.set();
    } else {
      self->attach(std::move(c));
      // A request carrying Expect sends its head at once (the spec's special headers), unless a
      // write, end() or flush_headers() is already on its way with it.
      if (!force_new && !self->head_sent_ && self->head_.size() == 0 && self->headers_.has("expect")) {
        if (auto e = self->build_head(std::nullopt)) {
          self->ec_ = e;
        } else {
          self->head_sent_ = true;
          auto h = self->head_.data();
          auto [we, n] = co_await net::async_write(self->conn_->socket, net::buffer(h.data(), h.size()),
                                                   net::as_tuple(net::use_awaitable));
          if (we && self->conn_) {
            self->ec_ = we;
            self->fail();
          }
        }
      }
      self->socket_ready_.set();
    }
  }

  // The agent gave us `c`: set it up for this request (the caller then sets socket_ready_: Node's
  // 'socket' event).
  void attach(std::unique_ptr<client_connection> c) {
    conn_ = std::move(c);
    reused_ = conn_->reused;
    conn_->parse.expect_response_to(method_);
    if (opt_.timeout.count() > 0) conn_->set_timeout(opt_.timeout);
    conn_->on_timeout = timeout_hook_;
    if (!no_delay_) set_no_delay(false);
    apply_socket_keep_alive();
  }

  void apply_socket_keep_alive() {
    if (!conn_ || !conn_->socket.is_open() || !tcp_keep_alive_) return;
    boost::system::error_code ignored;
    conn_->socket.set_option(net::socket_base::keep_alive(true), ignored);
    int secs = static_cast<int>(keep_alive_delay_.count() / 1000);
    if (secs > 0) ::setsockopt(conn_->socket.native_handle(), IPPROTO_TCP, TCP_KEEPIDLE, &secs, sizeof secs);
  }

  // Once the 'socket' event has happened: why there is no connection to use, if there is none.
  boost::system::error_code socket_error() const {
    if (ec_) return ec_;
    if (!conn_) return error::aborted;
    return {};
  }

  boost::system::error_code build_head(std::optional<std::uint64_t> known_length) {
    head_.clear();
    if (auto ec = head_.request_line(opt_.method, opt_.path)) return ec;
    headers_.write_to(head_);
    if (opt_.set_host && !headers_.has("host")) {
      std::string_view host = opt_.hostname.empty() ? opt_.host : opt_.hostname;
      const bool bracket = host.find(':') != std::string_view::npos && host.front() != '[';
      scratch_.clear();
      if (bracket) scratch_.append(1, '[');
      scratch_.append(host);
      if (bracket) scratch_.append(1, ']');
      if (opt_.port != 80) {
        char digits[8];
        auto end = std::to_chars(digits, digits + sizeof digits, opt_.port).ptr;
        scratch_.append(1, ':').append(digits, end);
      }
      if (auto ec = head_.field("Host", scratch_)) return ec;
    }
    if (!opt_.auth.empty() && !headers_.has("authorization")) {
      scratch_.assign("Basic ");
      append_base64(scratch_, opt_.auth);
      head_.trusted_field("Authorization", scratch_);
    }
    framing_input in;
    in.known_length = known_length;
    in.chunked_by_default = !(method_ == method::get || method_ == method::head || method_ == method::delete_ ||
                              method_ == method::options || method_ == method::trace || method_ == method::connect);
    for (const auto& f : headers_) {
      if (ascii::iequals(f.name, "content-length")) in.user_content_length = true;
      if (ascii::iequals(f.name, "transfer-encoding") && !f.view().empty()) {
        in.user_transfer_encoding = true;
        // The last value in use: `values` keeps stale entries past `count` for reuse.
        std::string_view v = ascii::trim_ows(f.view().back());
        in.user_te_chunked = v.size() >= 7 && ascii::iequals(v.substr(v.size() - 7), "chunked");
      }
      if (ascii::iequals(f.name, "connection")) {
        user_connection_ = true;
        for (const auto& v : f.view())
          if (v.find("close") != std::string::npos || v.find("Close") != std::string::npos) keep_alive_ = false;
      }
    }
    plan_ = choose_framing(in);
    if (!user_connection_) head_.trusted_field("Connection", keep_alive_ ? "keep-alive" : "close");
    if (plan_.add_content_length) (void)head_.field("Content-Length", plan_.content_length);
    if (plan_.add_chunked) head_.trusted_field("Transfer-Encoding", "chunked");
    head_.end();
    return {};
  }

  enum class send_kind { none, flush, write, end };
  enum class read_goal { none, continue_or_final, final };

  // One step of the exchange in one coroutine frame: an optional write (flush_headers, write, end),
  // then optionally reading up to the next head ('continue' or the final response). The socket
  // reads and writes are awaited here directly, not in nested coroutines: Asio keeps only two
  // recycled coroutine frames per thread, so a request through a warm agent allocates no frame.
  template <class Result>
  awaitable<Result> step(send_kind kind, std::string_view data, boost::system::error_code init, read_goal goal) {
    auto failed = [](boost::system::error_code ec) {
      if constexpr (std::is_same_v<Result, response_result>) return response_result{ec, nullptr};
      else return ec;
    };
    if (init) co_return failed(init);
    exchange_ref self(this);
    if (kind == send_kind::flush && head_sent_) kind = send_kind::none;
    if (kind == send_kind::write && ended_) co_return failed(error::write_after_end);
    if (kind == send_kind::end && ended_) kind = send_kind::none;
    // A final response that came before the request ended (a 4xx instead of 100 Continue) is the
    // response: the unsent body is dropped, not sent on a connection that is already given back.
    if (kind == send_kind::end && goal == read_goal::final && final_head_) kind = send_kind::none;
    if (kind != send_kind::none) {
      const bool last = kind == send_kind::end;
      const auto known = last && !head_sent_ ? std::optional<std::uint64_t>(data.size()) : std::nullopt;
      if (aborted_) co_return failed(ec_);
      if (!head_sent_ && head_.size() == 0)
        if (auto ec = build_head(known)) co_return failed(ec);
      if (!socket_ready_.is_set()) co_await socket_ready_.wait();
      if (auto ec = socket_error()) co_return failed(ec);
      outgoing out;
      gather(data, last, known, out);
      if (out.count > 0) {
        if (!conn_) co_return failed(ec_ ? ec_ : make_error_code(error::aborted));
        client_connection* c = conn_.get();  // kept alive (retired_) even if aborted meanwhile
        boost::system::error_code ec;
        // write_some until all is written: async_write's composed operation costs more.
        for (;;) {
          auto [wec, written] = co_await c->socket.async_write_some(out.buffers(), net::as_tuple(net::use_awaitable));
          ec = wec;
          if (ec || !out.consume(written)) break;
        }
        if (auto e = wrote(ec)) co_return failed(e);
      }
    }
    if (goal != read_goal::none && !ec_ && !final_head_ && !(goal == read_goal::continue_or_final && got_continue_)) {
      if (!socket_ready_.is_set()) co_await socket_ready_.wait();
      if (auto ec = socket_error()) ec_ = ec;
      while (!ec_ && !final_head_) {
        head_progress p = advance_head();
        if (p == head_progress::continue_seen && goal == read_goal::continue_or_final) break;
        if (p != head_progress::need_bytes) continue;
        client_connection* c = conn_.get();  // kept alive (retired_) even if aborted meanwhile
        auto [space, len] = c->buf.prepare();
        boost::system::error_code e = error::header_overflow;
        if (len > 0) {
          auto [rec, got] = co_await c->socket.async_read_some(net::buffer(space, len), net::as_tuple(net::use_awaitable));
          e = c->filled(rec, got);
        }
        switch (head_read(e)) {
          case after_read::more: break;
          case after_read::retry: (void)co_await retry(); break;  // on failure ec_ or !conn_ ends the loop
          case after_read::stop: break;
        }
      }
    }
    if constexpr (std::is_same_v<Result, response_result>) {
      if (ec_) co_return response_result{ec_, nullptr};
      co_return response_result{{}, &res_};
    } else {
      if (goal == read_goal::none || got_continue_) co_return boost::system::error_code{};
      if (ec_) co_return ec_;
      // The server answered at once (Node never emits 'continue' then): response() has it.
      co_return make_error_code(final_head_ ? error::no_continue : error::connection_closed);
    }
  }

  // What one write puts on the wire: the head (the first time), chunk framing and the data.
  struct outgoing {
    chunk_header frame{0};
    std::array<net::const_buffer, 5> bufs;
    std::size_t count = 0;
    std::size_t first = 0;  // buffers before it are written
    void add(std::string_view piece) {
      if (!piece.empty()) bufs[count++] = net::buffer(piece.data(), piece.size());
    }
    std::span<const net::const_buffer> buffers() const { return {bufs.data() + first, count - first}; }
    /// Drops `n` written bytes; false when nothing is left.
    bool consume(std::size_t n) {
      while (first < count && n >= bufs[first].size()) n -= bufs[first++].size();
      if (first < count) bufs[first] += n;
      return first < count;
    }
  };

  void gather(std::string_view data, bool last, std::optional<std::uint64_t> known, outgoing& out) {
    // A whole, small body of an idempotent request, going out with its head and framed by its
    // length, is kept for the one retry on a fresh socket. A streamed or chunk-framed body is not
    // kept, and then the request is not retried.
    if (last && known && reused_ && is_idempotent(opt_.method) && data.size() <= 64 * 1024 &&
        plan_.framing == body_framing::length) {
      retained_.assign(data);
      body_kept_ = true;
    }
    if (last) ended_ = true;
    if (!head_sent_) out.add(head_.data());
    if (plan_.framing == body_framing::chunked) {
      if (!data.empty()) {
        out.frame = chunk_header(data.size());
        out.add(out.frame.view());
        out.add(data);
        out.add(chunk_crlf);
      }
      if (last) out.add(last_chunk);
    } else {
      out.add(data);
    }
    head_sent_ = true;
  }

  // After a write: the error to report (none when a failure will be retried when reading).
  boost::system::error_code wrote(boost::system::error_code ec) {
    if (!conn_) return ec_ ? ec_ : make_error_code(error::aborted);  // aborted while writing
    conn_->touch();
    if (conn_->timed_out()) ec = error::socket_timeout;
    if (ec && ec != error::socket_timeout && may_retry()) return {};  // retried when reading
    if (ec) {
      ec_ = ec;
      fail();
    }
    return ec;
  }

  bool may_retry() const {
    return reused_ && !retried_ && !response_bytes_ && ended_ && is_idempotent(opt_.method) &&
           (plan_.framing == body_framing::none || body_kept_);
  }

  // The stale keep-alive race: the server closed the pooled socket as we sent on it. Nothing of a
  // response arrived, the request is idempotent and whole: send it again, once, on a fresh socket.
  awaitable<bool> retry() {
    retried_ = true;
    retire();
    removed_ = false;  // the fresh socket is the agent's again
    socket_ready_.reset();
    co_await get_socket(exchange_ref(this), true);
    if (ec_ || !conn_) co_return false;
    std::array<std::string_view, 2> pieces{head_.data(), retained_};
    std::array<net::const_buffer, 2> bufs{net::buffer(pieces[0].data(), pieces[0].size()),
                                          net::buffer(pieces[1].data(), pieces[1].size())};
    // The same buffer-sequence type as write_pieces(): one instantiation of Asio's write.
    auto [ec, n] = co_await net::async_write(conn_->socket, std::span(bufs.data(), bufs.size()),
                                             net::as_tuple(net::use_awaitable));
    if (ec) {
      ec_ = ec;
      fail();
      co_return false;
    }
    co_return true;
  }

  // Parses what is buffered towards the next response head: 100 Continue sets the continue event,
  // other 1xx are skipped (as Node skips them without an 'information' listener), a final one is
  // the response. `done`: the final head, or an error (ec_).
  enum class head_progress { need_bytes, continue_seen, done };
  head_progress advance_head() {
    for (;;) {
      if (!conn_) {
        if (!ec_) ec_ = error::aborted;
        return head_progress::done;
      }
      parser::step s = conn_->parse.parse(conn_->buf.data());
      switch (s.what) {
        case parser::event::head: {
          const message_head& h = conn_->parse.head();
          if (h.status >= 100 && h.status < 200 && !h.upgrade) {
            if (h.status == 100) got_continue_ = true;
            conn_->buf.consume(s.consumed);
            // Let the parser complete the informational message.
            parser::step done = conn_->parse.parse(conn_->buf.data());
            conn_->buf.consume(done.consumed);
            conn_->parse.expect_response_to(method_);
            if (h.status == 100) return head_progress::continue_seen;
            continue;
          }
          res_.assign(h, this);
          read_keep_alive_hint(h);
          conn_->buf.consume(s.consumed);
          final_head_ = true;
          upgraded_ = h.upgrade;
          server_keeps_ = h.keep_alive;
          if (h.framing == body_framing::none && !upgraded_) {
            // Complete the body-less message so the connection is clean for the next request.
            parser::step done = conn_->parse.parse(conn_->buf.data());
            conn_->buf.consume(done.consumed);
            finish(true);
          }
          return head_progress::done;
        }
        case parser::event::need_more:
          conn_->buf.consume(s.consumed);
          return head_progress::need_bytes;
        case parser::event::error:
          ec_ = conn_->parse.error();
          fail();
          return head_progress::done;
        default:
          ec_ = error::connection_closed;
          fail();
          return head_progress::done;
      }
    }
  }

  // After a read for the head: go on, retry on a fresh socket (the stale keep-alive race), or stop
  // (ec_ set).
  enum class after_read { more, retry, stop };
  after_read head_read(boost::system::error_code e) {
    if (!conn_) {  // aborted while waiting
      if (!ec_) ec_ = error::aborted;
      return after_read::stop;
    }
    if (!e) {
      response_bytes_ = true;
      return after_read::more;
    }
    if (!response_bytes_ && !conn_->buf.size() && may_retry() &&
        (e == net::error::eof || e == net::error::connection_reset || e == net::error::broken_pipe))
      return after_read::retry;
    ec_ = (e == net::error::eof || e == net::error::connection_reset) && !response_bytes_
              ? make_error_code(error::socket_hang_up)
              : e;
    fail();
    return after_read::stop;
  }

  void read_keep_alive_hint(const message_head& h) {
    for (header_field f : h.headers) {
      if (!ascii::iequals(f.name, "keep-alive")) continue;
      auto at = f.value.find("timeout=");
      if (at == std::string_view::npos) continue;
      int secs = 0;
      for (char c : f.value.substr(at + 8)) {
        if (c < '0' || c > '9') break;
        secs = secs * 10 + (c - '0');
      }
      // Retire the socket a second before the server would close it (Node's agent does the same).
      conn_->expires = clock::now() + std::chrono::seconds(secs) - std::chrono::milliseconds(1000);
    }
  }

  // The message is over: the socket goes back to the agent (or is closed).
  void finish(bool reusable_framing) {
    body_done_ = true;
    if (!conn_) return;
    // A request whose body was never sent leaves the server waiting for it: not reusable.
    bool reusable = reusable_framing && ended_ && server_keeps_ && keep_alive_ && !upgraded_ && conn_->buf.empty();
    conn_->reused = true;
    conn_->on_timeout = nullptr;  // this request's, not the next one's
    if (removed_) {
      conn_->close();
      retired_.push_back(std::move(conn_));
    } else {
      agent_->release(std::move(conn_), reusable);
    }
    closed_.set();
  }
  void fail() {
    body_done_ = true;
    retire();
    res_.mark_aborted();
    closed_.set();
  }
  // Closes the connection and gives its place in the agent back. The object itself is kept until
  // the exchange goes: a read or write may still be suspended inside it (abort() comes from
  // outside), and it resumes, with operation_aborted, on a live object.
  void retire() {
    if (!conn_) return;
    conn_->close();
    if (!removed_) agent_->lost(conn_->name);
    retired_.push_back(std::move(conn_));
  }

  // Nothing refers to the exchange any more: it goes back to its agent, emptied, for the next
  // request, or is deleted.
  void last_ref_gone() noexcept {
    std::shared_ptr<agent_state> a = std::move(agent_);  // may own this (spare_exchanges)
    if (!a || own_agent_ || a->destroyed || a->spare_exchanges.size() >= a->options.max_free_sockets) {
      delete this;
      return;
    }
    clear_for_reuse();
    try {
      a->spare_exchanges.push_back(std::unique_ptr<pooled_exchange>(this));
    } catch (...) {
      delete this;
    }
  }

  // Back to the state of a new exchange, storage kept (opt_ is replaced by make()).
  void clear_for_reuse() noexcept {
    own_agent_.reset();
    headers_.clear();
    head_.clear();
    plan_ = {};
    retained_.clear();
    conn_.reset();
    retired_.clear();
    socket_ready_.reset();
    continue_.reset();
    closed_.reset();
    dummy_.reset();
    ec_ = {};
    keep_alive_ = user_connection_ = false;
    head_sent_ = ended_ = aborted_ = false;
    got_continue_ = final_head_ = upgraded_ = false;
    server_keeps_ = true;
    body_done_ = response_bytes_ = reused_ = retried_ = body_kept_ = false;
    no_delay_ = true;
    tcp_keep_alive_ = false;
    keep_alive_delay_ = {};
  }

  // Every member below is reset by clear_for_reuse().
  std::size_t refs_ = 0;
  net::any_io_executor executor_;
  request_options opt_;
  std::function<void()> timeout_hook_;  // message.setTimeout's callback, for the connection in use
  std::shared_ptr<agent_state> agent_, own_agent_;
  std::string name_;
  corohttp::method method_ = method::get;
  outgoing_headers headers_;
  head_writer head_;
  std::string scratch_;  // Host and Authorization values are built here (storage kept when pooled)
  framing_plan plan_;
  std::string retained_;
  std::unique_ptr<client_connection> conn_;
  std::vector<std::unique_ptr<client_connection>> retired_;  // closed, kept alive (see retire())
  incoming_message res_;
  async_event socket_ready_, continue_, closed_;
  std::optional<stream_socket> dummy_;
  boost::system::error_code ec_;
  bool keep_alive_ = false, user_connection_ = false;
  bool head_sent_ = false, ended_ = false, aborted_ = false;
  bool got_continue_ = false, final_head_ = false, upgraded_ = false, server_keeps_ = true;
  bool body_done_ = false, response_bytes_ = false, reused_ = false, retried_ = false, body_kept_ = false;
  bool no_delay_ = true, tcp_keep_alive_ = false;
  bool removed_ = false;  // taken out of the agent (remove_from_agent)
  std::chrono::milliseconds keep_alive_delay_{0};
};

}  // namespace corohttp::detail

#include <corohttp/client_request.hpp>
