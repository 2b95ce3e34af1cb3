// libFuzzer target: a whole server connection. The input is what a client sends on one connection
// (after a first configuration byte); the server's connection coroutine (detail::run_connection,
// exactly what the accept loop starts) serves it over one end of an AF_UNIX socketpair, an
// in-process transport with no network and no file, while the other end writes the input in
// pieces (cut where the input's hash says, with a turn of the event loop between them), then
// half-closes, and reads every byte the server answers until it closes.
//
// The handler reads bodies (or not) and answers in the framing the request's target picks (see
// `mode`): Content-Length, chunked, chunked with trailers, close-delimited, 204/304, HEAD, a
// throw before or after the head, an early 103. The invariants, each a trap when broken:
//   - no crash, no leak (ASan/LSan), no UB;
//   - the bytes out re-parse with our strict response parser (told which responses answer HEAD or
//     CONNECT) into complete responses, one per request, nothing after the last;
//   - the handler saw exactly the requests the reference parse of the input finds (method, target,
//     body), in order; each handler response names its call (x-seq) and answers its own request;
//   - a server-written refusal (400/408/413/431) says Connection: close, is the last bytes, and no
//     request after the refused one reached the handler.
#include <corohttp/detail/server_connection.hpp>
#include <corohttp/proto/request_rules.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <sys/socket.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "fuzz_common.hpp"

namespace {

using namespace corohttp;

/// The first input byte:
///   bit 0  small limits (max_header_size 512, max_headers_count 8)
///   bit 1  insecure_http_parser (every lenient flag)
///   bit 2  require_host_header off
///   bit 3  upgrade and CONNECT handlers installed (they answer 101 / 200 and echo what follows)
///   bits 4-7  the seed of the write cuts
struct conn_config {
  server_options options;
  bool tunnels = false;
  std::uint8_t cut_seed = 0;
};

conn_config connection_config(std::uint8_t b) {
  conn_config c;
  c.options.headers_timeout = std::chrono::milliseconds(0);
  c.options.request_timeout = std::chrono::milliseconds(0);
  c.options.keep_alive_timeout = std::chrono::milliseconds(0);
  if (b & 1) {
    c.options.max_header_size = 512;
    c.options.max_headers_count = 8;
  }
  c.options.insecure_http_parser = (b & 2) != 0;
  c.options.require_host_header = (b & 4) == 0;
  c.tunnels = (b & 8) != 0;
  c.cut_seed = static_cast<std::uint8_t>(b >> 4);
  return c;
}

parser_options parser_options_of(const server_options& o) {
  parser_options p;
  p.max_header_size = o.max_header_size;
  p.max_headers_count = o.max_headers_count;
  p.lenient = o.insecure_http_parser ? lenient_all : lenient_none;
  return p;
}

// What the handler does, from the target: "/m<digit>..." picks mode <digit>, anything else a hash.
enum mode : int {
  echo_length,       // read the body, answer it with Content-Length
  chunked_writes,    // read the body, answer in two write()s: chunked (close-delimited for HTTP/1.0)
  unread_body,       // never read the body (the server drains it), answer "ok" with Content-Length
  close_delimited,   // Transfer-Encoding: identity: the body ends when the connection closes
  no_content,        // 204
  not_modified,      // 304, with a body the server must not send
  declared_length,   // read one chunk, declare Content-Length, write it in two pieces
  trailers,          // read the body, chunked answer with trailers
  throw_early,       // throw before anything is written: the server answers 500
  throw_late,        // write the head and a piece, then throw: the server closes mid-response
  early_hints,       // 103 Early Hints, then a Content-Length answer
  mode_count
};

int mode_of(std::string_view target) {
  if (target.size() >= 3 && target[0] == '/' && target[1] == 'm' && target[2] >= '0' && target[2] <= '9') {
    int m = target[2] - '0';
    if (target.size() >= 4 && target[3] >= '0' && target[3] <= '9') m = m * 10 + (target[3] - '0');
    return m % mode_count;
  }
  return static_cast<int>(fuzz::fnv1a(target) % mode_count);
}

struct handled {
  std::string method, url;
  int mode = 0;
  std::string body;          // what the handler read
  bool body_whole = false;   // ...to its end without error
  bool threw_late = false;   // the response was cut short on purpose
};

struct run_state {
  std::vector<handled> calls;
  std::string out;  // every byte the server sent
};

awaitable<void> handle(run_state& st, incoming_message& req, server_response& res) {
  const std::size_t seq = st.calls.size();
  st.calls.push_back({std::string(req.method()), std::string(req.url()), mode_of(req.url()), {}, false, false});
  auto read_all = [&]() -> awaitable<void> {
    std::string body;
    auto ec = co_await req.read_all(body);
    st.calls[seq].body = body;
    st.calls[seq].body_whole = !ec;
  };
  const std::string seq_text = std::to_string(seq);
  (void)res.set_header("x-seq", seq_text);
  switch (st.calls[seq].mode) {
    case echo_length: {
      co_await read_all();
      std::string body = st.calls[seq].body;
      (void)co_await res.end(body);
      break;
    }
    case chunked_writes:
      co_await read_all();
      (void)res.write_head(200);
      (void)co_await res.write("first,");
      (void)co_await res.write("second");
      (void)co_await res.end();
      break;
    case unread_body: (void)co_await res.end("ok"); break;
    case close_delimited:
      (void)res.set_header("Transfer-Encoding", "identity");
      (void)co_await res.write("until ");
      (void)co_await res.end("close");
      break;
    case no_content:
      co_await read_all();
      res.status_code = 204;
      (void)co_await res.end();
      break;
    case not_modified:
      res.status_code = 304;
      (void)co_await res.end("no body may follow");
      break;
    case declared_length: {
      std::optional<std::string_view> first = co_await req.read();
      if (first) st.calls[seq].body = std::string(*first);
      (void)res.set_header("Content-Length", std::uint64_t{10});
      (void)co_await res.write("01234");
      (void)co_await res.end("56789");
      break;
    }
    case trailers:
      co_await read_all();
      (void)res.set_header("Trailer", "x-sum");
      (void)res.add_trailers({{"x-sum", std::to_string(st.calls[seq].body.size())}});
      (void)co_await res.write(st.calls[seq].body.empty() ? std::string_view("empty") : std::string_view(st.calls[seq].body));
      (void)co_await res.end();
      break;
    case throw_early: throw std::runtime_error("handler failed before answering");
    case throw_late:
      (void)res.write_head(200);
      (void)co_await res.write("partial");
      st.calls[seq].threw_late = true;
      throw std::runtime_error("handler failed while answering");
    case early_hints:
      (void)co_await res.write_early_hints({"</style.css>; rel=preload; as=style"});
      co_await read_all();
      (void)co_await res.end("hinted");
      break;
    default: break;
  }
}

// 'upgrade' and 'connect': a raw answer naming the call, then the bytes that followed the head.
awaitable<void> tunnel(run_state& st, incoming_message& req, stream_socket& s, std::string_view rest) {
  const std::size_t seq = st.calls.size();
  st.calls.push_back({std::string(req.method()), std::string(req.url()), -1, {}, false, false});
  std::string answer = req.method_id() == method::connect
                           ? "HTTP/1.1 200 Connection Established\r\nx-seq: " + std::to_string(seq) + "\r\n\r\n"
                           : "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: fuzz\r\nx-seq: " +
                                 std::to_string(seq) + "\r\n\r\n";
  answer.append(rest);
  auto [ec, n] = co_await net::async_write(s, net::buffer(answer), net::as_tuple(net::use_awaitable));
  (void)ec;
  (void)n;
}

awaitable<void> write_input(stream_socket& s, std::string_view input, std::vector<std::size_t> cuts) {
  cuts.push_back(input.size());
  std::size_t from = 0;
  for (std::size_t to : cuts) {
    if (to <= from) continue;
    auto [ec, n] = co_await net::async_write(s, net::buffer(input.data() + from, to - from),
                                             net::as_tuple(net::use_awaitable));
    if (ec) break;  // the server closed: the rest is not wanted
    from = to;
    co_await net::post(co_await net::this_coro::executor, net::use_awaitable);  // let the server read
  }
  boost::system::error_code ignored;
  s.shutdown(net::socket_base::shutdown_send, ignored);
}

awaitable<void> read_output(stream_socket& s, std::string& out) {
  char buf[8192];
  for (;;) {
    auto [ec, n] = co_await s.async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
    out.append(buf, n);
    if (ec) break;
  }
}

[[noreturn]] void broken(const char* what, std::string_view input, const run_state& st,
                         const test::parse_outcome* responses = nullptr, std::size_t index = 0) {
  std::fprintf(stderr, "\n*** corohttp fuzz invariant violated (connection): %s (response %zu)\n  input ", what, index);
  fuzz::print_bytes(input, 4096);
  std::fputs("\n  output ", stderr);
  fuzz::print_bytes(st.out, 4096);
  std::fprintf(stderr, "\n  handler calls: %zu\n", st.calls.size());
  for (std::size_t i = 0; i < st.calls.size(); ++i) {
    std::fprintf(stderr, "    [%zu] mode %d ", i, st.calls[i].mode);
    fuzz::print_bytes(st.calls[i].method);
    std::fputc(' ', stderr);
    fuzz::print_bytes(st.calls[i].url);
    std::fputc('\n', stderr);
  }
  if (responses) {
    fuzz::outcome o;
    o.parsed = *responses;
    o.rejected = static_cast<bool>(responses->ec);
    fuzz::print_outcome("responses", o);
  }
  std::fflush(stderr);
  __builtin_trap();
}

std::optional<std::string> field(const test::parsed_message& m, std::string_view name) {
  for (auto& [n, v] : m.headers)
    if (ascii::iequals(n, name)) return v;
  return std::nullopt;
}

bool is_refusal(int status) { return status == 400 || status == 408 || status == 413 || status == 431; }

void check(std::string_view input, const conn_config& cfg, const run_state& st) {
  // The requests, as the server's parser finds them in the input.
  // Without an upgrade handler the server declines an Upgrade and serves the request as any other.
  parser req_parser(message_type::request, parser_options_of(cfg.options));
  test::feed_plan request_plan;
  if (!cfg.tunnels)
    request_plan.on_step = [&](const parser::step& s, std::string_view, const test::parse_outcome&) {
      if (s.what == parser::event::head && req_parser.head().upgrade && req_parser.head().method != method::connect)
        req_parser.decline_upgrade();
    };
  const test::parse_outcome requests = test::feed(req_parser, input, request_plan);

  // The responses, each parsed as the answer to its request.
  std::size_t finals = 0;  // final (non-1xx) responses completed so far
  test::feed_plan plan;
  plan.eof = true;
  plan.before_parse = [&](parser& p) {
    if (!p.between_messages() || finals >= requests.messages.size()) return;
    const std::string& m = requests.messages[finals].method;
    if (m == "HEAD") p.expect_response_to(method::head);
    else if (m == "CONNECT") p.expect_response_to(method::connect);
    else p.expect_response_to(method::get);
  };
  plan.on_step = [&](const parser::step& s, std::string_view, const test::parse_outcome& so_far) {
    if (s.what != parser::event::complete) return;
    const int status = so_far.messages.back().status;
    if (status >= 200 || status == 101) ++finals;
  };
  parser res_parser(message_type::response, {});
  const test::parse_outcome responses = test::feed(res_parser, st.out, plan);

  const bool cut_short = !st.calls.empty() && st.calls.back().threw_late;
  if (responses.ec && !cut_short) broken("the server's bytes do not parse as responses", input, st, &responses);

  // Walk the final responses against the requests and the handler's calls.
  std::size_t next_call = 0, index = 0;
  bool refused = false;
  for (const test::parsed_message& r : responses.messages) {
    if (r.status >= 100 && r.status < 200 && r.status != 101) continue;  // interim
    if (refused) broken("a response after a refusal", input, st, &responses, index);
    // A refusal may answer bytes that never made a head; every other response answers a request.
    if (index >= requests.messages.size() && !is_refusal(r.status))
      broken("a response to no request", input, st, &responses, index);
    static const test::parsed_message no_head;
    const test::parsed_message& q = index < requests.messages.size() ? requests.messages[index] : no_head;
    if (!r.complete && !(cut_short && &r == &responses.messages.back()))
      broken("an incomplete response", input, st, &responses, index);
    auto same_request = [&](const handled& h) { return h.method == q.method && h.url == q.url; };
    if (auto seq = field(r, "x-seq")) {
      if (*seq != std::to_string(next_call)) broken("responses out of order", input, st, &responses, index);
      const handled& h = st.calls[next_call];
      if (!same_request(h)) broken("a handler answered another request", input, st, &responses, index);
      if (r.status == 500 && h.mode != throw_early) broken("a 500 without a handler that threw", input, st, &responses, index);
      if (h.body_whole && q.complete && h.body != q.body)
        broken("the handler read another body than the request's", input, st, &responses, index);
      // A response to HEAD has no body, whatever the handler wrote.
      if (h.mode == echo_length && h.body_whole && q.method != "HEAD" && r.body != h.body)
        broken("the echoed body differs", input, st, &responses, index);
      ++next_call;
    } else if (r.status == 500) {
      if (next_call >= st.calls.size() || st.calls[next_call].mode != throw_early || !same_request(st.calls[next_call]))
        broken("a 500 without a handler that threw", input, st, &responses, index);
      ++next_call;
    } else if (is_refusal(r.status)) {
      refused = true;
      if (field(r, "connection") != std::optional<std::string>("close"))
        broken("a refusal without Connection: close", input, st, &responses, index);
      if (!r.body.empty()) broken("bytes after a refusal", input, st, &responses, index);
      // The handler may have run for the refused request itself (its body broke the grammar), for
      // none after it.
      if (st.calls.size() > next_call + 1 ||
          (st.calls.size() == next_call + 1 && !same_request(st.calls[next_call])))
        broken("the handler saw a request after a refused one", input, st, &responses, index);
      if (st.calls.size() == next_call + 1 && q.complete)
        broken("a refusal instead of the handler's answer to a whole request", input, st, &responses, index);
    } else if (r.status != 417) {
      broken("a response neither the handler nor the server's rules wrote", input, st, &responses, index);
    }
    ++index;
  }
  // Every call the handler got was answered, but for a throw mid-answer or a refused request.
  if (!refused && !cut_short && next_call != st.calls.size())
    broken("a handler's response is missing", input, st, &responses, index);
  if (st.calls.size() > requests.messages.size()) broken("the handler saw more requests than were sent", input, st);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::signal(SIGPIPE, SIG_IGN);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const conn_config cfg = connection_config(data[0]);
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    std::perror("socketpair");
    std::abort();
  }
  run_state st;
  {
    net::io_context io;
    const net::generic::stream_protocol unix_stream(AF_UNIX, 0);
    stream_socket server_end(io, unix_stream, fds[0]);
    stream_socket client_end(io, unix_stream, fds[1]);
    server_end.non_blocking(true);

    auto core = std::make_shared<detail::server_core>(io.get_executor(), cfg.options);
    core->update_keep_alive_header();
    core->on_request = [&st](incoming_message& req, server_response& res) { return handle(st, req, res); };
    if (cfg.tunnels) {
      auto t = [&st](incoming_message& req, stream_socket& s, std::string_view rest) { return tunnel(st, req, s, rest); };
      core->on_upgrade = t;
      core->on_connect = t;
    }
    detail::spawn_connection(core, std::move(server_end));
    net::co_spawn(io, write_input(client_end, input, fuzz::random_cuts(input, cfg.cut_seed, 6)), net::detached);
    net::co_spawn(io, read_output(client_end, st.out), net::detached);
    io.run();
    if (core.use_count() != 1) {
      std::fputs("*** corohttp fuzz: the connection outlived its run\n", stderr);
      __builtin_trap();
    }
  }
  check(input, cfg, st);
  return 0;
}
