// Load and fault scenarios for the server and the client (issue #8), one program with modes:
//
//   stress SCENARIO [--long]     SCENARIO: keepalive churn slowloris pipeline faults fd-exhaustion
//                                          graceful-close client-chaos, or all
//
// The server under test runs in a child process (fork), so that its RSS and open descriptors are
// its own and can be read from /proc/<pid>; the clients run in this process on 127.0.0.1. Each
// scenario prints one line of figures ("stress/NAME: ...") and exits 1 on a broken expectation.
// The default (short) mode is what tools/test runs, each well under 30 s; --long is the size
// quoted in the README.
#include <corohttp/corohttp.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <csignal>
#include <iterator>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace corohttp;
using namespace std::chrono_literals;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

bool long_mode = false;
int failures = 0;
const bool debug = std::getenv("STRESS_DEBUG") != nullptr;

void trace(const std::string& what) {
  if (debug) std::fprintf(stderr, "[%d] %s\n", static_cast<int>(::getpid()), what.c_str());
}

void expect(bool ok, const std::string& what) {
  if (!ok) {
    std::printf("  FAILED: %s\n", what.c_str());
    std::fflush(stdout);
    ++failures;
  }
}

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

// --- /proc figures ------------------------------------------------------------------------------

long rss_bytes(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6) * 1024;
  return -1;
}

int open_fds(pid_t pid) {
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return -1;
  int n = 0;
  while (auto* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n;
}

// CPU time (user + system) of a process, in seconds.
double cpu_seconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto close = s.rfind(')');
  if (close == std::string::npos) return -1;
  std::vector<std::string> fields;
  std::size_t at = close + 2;
  while (at < s.size()) {
    auto sp = s.find(' ', at);
    fields.push_back(s.substr(at, sp - at));
    if (sp == std::string::npos) break;
    at = sp + 1;
  }
  // fields[0] is the state (field 3); utime and stime are fields 14 and 15.
  if (fields.size() < 13) return -1;
  return (std::stod(fields[11]) + std::stod(fields[12])) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

void raise_fd_limit(rlim_t want) {
  rlimit r{};
  ::getrlimit(RLIMIT_NOFILE, &r);
  r.rlim_cur = std::min(std::max(r.rlim_cur, want), r.rlim_max);
  ::setrlimit(RLIMIT_NOFILE, &r);
}

rlim_t fd_limit() {
  rlimit r{};
  ::getrlimit(RLIMIT_NOFILE, &r);
  return r.rlim_cur;
}

// --- the server under test, in a child process --------------------------------------------------

struct child_config {
  server_options options;
  rlim_t fd_limit = 0;  // 0: inherited
};

// The handler: the target picks the behaviour, one coroutine each.
awaitable<void> read_body_answer_size(incoming_message& req, server_response& res) {
  std::string body;
  auto ec = co_await req.read_all(body);
  // Named, not a temporary inside the co_await: g++ 12 relocates such a std::string bytewise.
  const std::string answer = ec ? std::string("error") : std::to_string(body.size());
  (void)co_await res.end(answer);
}

awaitable<void> answer_big(server_response& res) {  // 4 MiB in 64 KiB writes
  const std::string piece(64 * 1024, 'b');
  (void)res.set_header("Content-Length", std::uint64_t{64} * piece.size());
  for (int i = 0; i < 64; ++i) {
    auto ec = co_await res.write(piece);
    if (ec) break;
  }
  (void)co_await res.end();
}

awaitable<void> throw_late(server_response& res) {
  (void)res.write_head(200);
  (void)co_await res.write("partial");
  throw std::runtime_error("handler failed mid-response");
}

awaitable<void> never_answer() {
  net::steady_timer t(co_await net::this_coro::executor, std::chrono::hours(1));
  co_await t.async_wait(net::use_awaitable);  // cancelled when the connection times out
}

awaitable<void> answer_twice(server_response& res) {
  (void)co_await res.end("one");
  (void)co_await res.end("two");
  (void)co_await res.write("three");
}

awaitable<void> answer_slowly(server_response& res, int ms) {
  net::steady_timer t(co_await net::this_coro::executor, std::chrono::milliseconds(ms));
  co_await t.async_wait(net::use_awaitable);
  (void)co_await res.end("slow");
}

awaitable<void> throw_early() {
  co_await net::post(co_await net::this_coro::executor, net::use_awaitable);
  throw std::runtime_error("handler failed");
}

awaitable<void> answer_hello(server_response& res) { (void)co_await res.end("hello"); }

awaitable<void> handle(incoming_message& req, server_response& res, int progress_fd) {
  const std::string_view url = req.url();
  if (progress_fd >= 0) {
    char b = 1;
    (void)!::write(progress_fd, &b, 1);
  }
  if (url == "/body") return read_body_answer_size(req, res);
  if (url == "/big") return answer_big(res);
  if (url == "/throw") return throw_early();
  if (url == "/throw-late") return throw_late(res);
  if (url == "/never") return never_answer();
  if (url == "/twice") return answer_twice(res);
  if (url.starts_with("/slow")) {  // "/slow?ms=N"
    auto at = url.find("ms=");
    return answer_slowly(res, at == std::string_view::npos ? 300 : std::atoi(std::string(url.substr(at + 3)).c_str()));
  }
  return answer_hello(res);
}

struct child {
  pid_t pid = -1;
  std::uint16_t port = 0;
  int progress_fd = -1;  // one byte per handler call
  int result_fd = -1;    // the child's report after a graceful close
};

[[noreturn]] void run_child(const child_config& cfg, int port_fd, int progress_fd, int result_fd) {
  if (cfg.fd_limit) {
    rlimit r{};
    ::getrlimit(RLIMIT_NOFILE, &r);
    r.rlim_cur = cfg.fd_limit;
    ::setrlimit(RLIMIT_NOFILE, &r);
  }
  int code = 0;
  {
    // Nobody may read the progress pipe: when it is full, reports are dropped, never waited for.
    ::fcntl(progress_fd, F_SETFL, O_NONBLOCK);
    net::io_context io(1);
    // SIGUSR1: graceful close(), then report whether any descriptor of the server remains.
    // SIGTERM: close() and close_all_connections(), then exit.
    net::signal_set signals(io, SIGUSR1, SIGTERM);
    server s(io, [progress_fd](incoming_message& req, server_response& res) { return handle(req, res, progress_fd); },
             cfg.options);
    if (auto ec = s.listen(0, "127.0.0.1")) {
      std::fprintf(stderr, "child: listen: %s\n", ec.message().c_str());
      std::_Exit(2);
    }
    std::uint16_t port = s.address().port;
    (void)!::write(port_fd, &port, sizeof port);
    ::close(port_fd);
    const int fds_before = open_fds(::getpid()) - 1;  // what remains once the listener is closed
    net::co_spawn(
        io,
        [&]() -> awaitable<void> {
          // Plain variables: g++ 12 loses structured bindings across a later co_await.
          auto got = co_await signals.async_wait(net::as_tuple(net::use_awaitable));
          if (std::get<0>(got)) co_return;
          const int sig = std::get<1>(got);
          s.close();
          if (sig == SIGTERM) s.close_all_connections();
          trace("closing on signal " + std::to_string(sig));
          co_await s.closed();
          trace("closed");
          if (sig == SIGUSR1) {
            // Let the closed sockets' coroutines finish, then count.
            net::steady_timer t(io, 50ms);
            co_await t.async_wait(net::use_awaitable);
            int left = open_fds(::getpid()) - fds_before;
            trace("left " + std::to_string(left));
            (void)!::write(result_fd, &left, sizeof left);
          }
        },
        net::detached);
    io.run();
    // Done serving. A SIGTERM sent now (the tests send one to make sure the child ends) would find
    // the default action once the signal_set is gone and kill the child mid-exit: keep it pending.
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &term, nullptr);
  }
  std::exit(code);  // exit, not _exit: LeakSanitizer checks at exit in the ASan build
}

child start_child(const child_config& cfg) {
  int port_pipe[2], progress_pipe[2], result_pipe[2];
  if (::pipe(port_pipe) || ::pipe(progress_pipe) || ::pipe(result_pipe)) throw std::runtime_error("pipe");
  std::fflush(stdout);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork");
  if (pid == 0) {
    ::close(port_pipe[0]);
    ::close(progress_pipe[0]);
    ::close(result_pipe[0]);
    run_child(cfg, port_pipe[1], progress_pipe[1], result_pipe[1]);
  }
  ::close(port_pipe[1]);
  ::close(progress_pipe[1]);
  ::close(result_pipe[1]);
  child c;
  c.pid = pid;
  if (::read(port_pipe[0], &c.port, sizeof c.port) != sizeof c.port) throw std::runtime_error("the server did not start");
  ::close(port_pipe[0]);
  c.progress_fd = progress_pipe[0];
  c.result_fd = result_pipe[0];
  return c;
}

// Waits for the child to exit (SIGKILL after `ms`); returns its exit code (-signal if killed).
int reap(child& c, int ms = 10000) {
  int status = 0;
  auto deadline = clock_type::now() + std::chrono::milliseconds(ms);
  while (::waitpid(c.pid, &status, WNOHANG) == 0) {
    if (clock_type::now() > deadline) {
      ::kill(c.pid, SIGKILL);
      ::waitpid(c.pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  ::close(c.progress_fd);
  ::close(c.result_fd);
  c.pid = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return -WTERMSIG(status);
}

int stop(child& c) {
  ::kill(c.pid, SIGTERM);
  return reap(c);
}

// --- clients --------------------------------------------------------------------------------------

// Reads one response with our parser; `buf` keeps the bytes after it. Returns its status, or 0.
awaitable<int> read_response(tcp::socket& s, std::string& buf, bool head = false, std::string* body = nullptr,
                             bool* eof = nullptr) {
  parser p(message_type::response);
  if (head) p.expect_response_to(method::head);
  int status = 0;
  char tmp[16384];
  for (;;) {
    parser::step st = p.parse(buf);
    switch (st.what) {
      case parser::event::head: status = p.head().status; break;
      case parser::event::body:
        if (body) body->append(st.body);
        break;
      case parser::event::complete:
        buf.erase(0, st.consumed);
        if (status >= 100 && status < 200) {
          p = parser(message_type::response);
          continue;
        }
        co_return status;
      case parser::event::error:
        trace("response parse error: " + std::string(p.error_reason()) + " at: " + buf.substr(0, 200));
        co_return 0;
      case parser::event::upgrade: co_return 0;
      case parser::event::need_more: break;
    }
    buf.erase(0, st.consumed);
    if (st.what == parser::event::need_more) {
      auto [ec, n] = co_await s.async_read_some(net::buffer(tmp), net::as_tuple(net::use_awaitable));
      if (ec) {
        if (eof) *eof = true;
        if (ec == net::error::eof) {
          parser::step f = p.finish();
          if (f.what == parser::event::complete) co_return status;
        }
        co_return 0;
      }
      buf.append(tmp, n);
    }
  }
}

awaitable<bool> connect_to(tcp::socket& s, std::uint16_t port) {
  auto [ec] = co_await s.async_connect(tcp::endpoint(net::ip::address_v4::loopback(), port),
                                       net::as_tuple(net::use_awaitable));
  co_return !ec;
}

awaitable<bool> send_all(tcp::socket& s, std::string_view data) {
  auto [ec, n] = co_await net::async_write(s, net::buffer(data), net::as_tuple(net::use_awaitable));
  co_return !ec;
}

const std::string get_root = "GET / HTTP/1.1\r\nHost: stress\r\n\r\n";

// One blocking request on a fresh connection (for a probe from a plain thread); true on 200.
bool probe(std::uint16_t port, const std::string& target = "/", int timeout_ms = 3000, double* latency_ms = nullptr) {
  net::io_context io;
  bool ok = false;
  auto t0 = clock_type::now();
  net::co_spawn(
      io,
      [&]() -> awaitable<void> {
        tcp::socket s(io);
        if (!co_await connect_to(s, port)) co_return;
        if (!co_await send_all(s, "GET " + target + " HTTP/1.1\r\nHost: stress\r\n\r\n")) co_return;
        std::string buf;
        ok = co_await read_response(s, buf) == 200;
      },
      net::detached);
  io.run_for(std::chrono::milliseconds(timeout_ms));
  if (latency_ms) *latency_ms = ms_since(t0);
  return ok;
}

// Sequential requests on one keep-alive connection; their latencies in ms (empty on an error).
std::vector<double> timed_requests(std::uint16_t port, int count) {
  net::io_context io;
  std::vector<double> out;
  net::co_spawn(
      io,
      [&]() -> awaitable<void> {
        tcp::socket s(io);
        if (!co_await connect_to(s, port)) co_return;
        std::string buf;
        for (int i = 0; i < count; ++i) {
          auto t0 = clock_type::now();
          if (!co_await send_all(s, get_root)) co_return;
          if (co_await read_response(s, buf) != 200) {
            out.clear();
            co_return;
          }
          out.push_back(ms_since(t0));
        }
      },
      net::detached);
  io.run_for(60s);
  return out;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// The server's descriptors once a probe's connection has surely ended.
int baseline_fds(pid_t pid) {
  std::this_thread::sleep_for(100ms);
  return open_fds(pid);
}

void settle_fds(pid_t pid, int want, int ms = 10000) {
  auto deadline = clock_type::now() + std::chrono::milliseconds(ms);
  while (open_fds(pid) > want && clock_type::now() < deadline) std::this_thread::sleep_for(10ms);
}

// --- scenarios ----------------------------------------------------------------------------------

// N concurrent keep-alive connections, each making K requests; all held at once at one point.
void keepalive() {
  int n = long_mode ? 10000 : 1000, k = long_mode ? 10 : 5;
  raise_fd_limit(static_cast<rlim_t>(n) + 200);
  if (fd_limit() < static_cast<rlim_t>(n) + 100) n = static_cast<int>(fd_limit()) - 100;
  child_config cfg;
  cfg.options.keep_alive_timeout = 120s;
  child c = start_child(cfg);
  probe(c.port);
  const long rss0 = rss_bytes(c.pid);
  const int fds0 = baseline_fds(c.pid);

  net::io_context io(1);
  std::atomic<int> errors{0};
  long served = 0;
  int first_done = 0, connecting = 0;
  net::steady_timer barrier(io, clock_type::time_point::max());
  net::steady_timer gate(io, clock_type::time_point::max());
  std::vector<std::unique_ptr<tcp::socket>> sockets;
  auto one = [&](tcp::socket& s) -> awaitable<void> {
    // At most 256 connects in flight: a listen backlog of 511 must not overflow.
    while (connecting >= 256) co_await gate.async_wait(net::as_tuple(net::use_awaitable));
    ++connecting;
    bool ok = co_await connect_to(s, c.port);
    std::string buf;
    ok = ok && co_await send_all(s, get_root) && co_await read_response(s, buf) == 200;
    --connecting;
    gate.cancel_one();
    if (!ok) ++errors;
    else ++served;
    ++first_done;
    co_await barrier.async_wait(net::as_tuple(net::use_awaitable));  // until every connection is held
    if (!ok) co_return;
    for (int i = 1; i < k; ++i) {
      if (!co_await send_all(s, get_root) || co_await read_response(s, buf) != 200) {
        ++errors;
        co_return;
      }
      ++served;
    }
  };
  long rss_held = 0;
  int fds_held = 0;
  net::co_spawn(
      io,
      [&]() -> awaitable<void> {
        for (int i = 0; i < n; ++i) {
          sockets.push_back(std::make_unique<tcp::socket>(io));
          net::co_spawn(io, one(*sockets.back()), net::detached);
        }
        co_return;
      },
      net::detached);
  // Measure while every connection is open and idle between its first and second request.
  auto t0 = clock_type::now();
  std::thread sampler;
  net::co_spawn(
      io,
      [&]() -> awaitable<void> {
        net::steady_timer t(io);
        while (first_done < n) {
          t.expires_after(5ms);
          co_await t.async_wait(net::use_awaitable);
        }
        rss_held = rss_bytes(c.pid);
        fds_held = open_fds(c.pid);
        barrier.cancel();
      },
      net::detached);
  io.run_for(long_mode ? 600s : 60s);
  const double secs = ms_since(t0) / 1000;
  sockets.clear();
  settle_fds(c.pid, fds0);
  const int fds_after = open_fds(c.pid);
  const int code = stop(c);
  const long per = (rss_held - rss0) / std::max(1, n);
  std::printf("stress/keepalive: %d concurrent keep-alive connections held (server fds %d -> %d -> %d), %ld requests "
              "served in %.1f s, %d errors; server RSS %ld -> %ld bytes = %ld bytes per connection\n",
              n, fds0, fds_held, fds_after, served, secs, errors.load(), rss0, rss_held, per);
  expect(errors == 0, "no request fails");
  expect(served == static_cast<long>(n) * k, "every request served");
  expect(fds_held - fds0 >= n, "every connection held at once");
  expect(fds_after == fds0, "descriptors back to baseline");
  expect(code == 0, "the server exits cleanly (LeakSanitizer in the ASan build), exit " + std::to_string(code));
}

// Many connections opened, used once and closed: descriptors and RSS come back to their baseline.
void churn() {
  const int total = long_mode ? 100000 : 5000, parallel = 64;
  child_config cfg;
  child c = start_child(cfg);
  auto run = [&](int count) {
    net::io_context io(1);
    int next = 0, errors = 0;
    std::function<awaitable<void>()> worker = [&]() -> awaitable<void> {
      while (next < count) {
        int i = next++;
        tcp::socket s(io);
        std::string buf;
        bool ok = co_await connect_to(s, c.port) && co_await send_all(s, get_root) &&
                  co_await read_response(s, buf) == 200;
        if (!ok) ++errors;
        boost::system::error_code ignored;
        if (i % 2) s.set_option(net::socket_base::linger(true, 0), ignored);  // half close with RST
        s.close(ignored);
      }
    };
    for (int w = 0; w < parallel; ++w) net::co_spawn(io, worker(), net::detached);
    io.run();
    return errors;
  };
  run(1000);  // warm-up: pools and allocator arenas reach their working size
  settle_fds(c.pid, 0, 300);
  const long rss0 = rss_bytes(c.pid);
  const int fds0 = baseline_fds(c.pid);
  auto t0 = clock_type::now();
  const int errors = run(total);
  const double secs = ms_since(t0) / 1000;
  settle_fds(c.pid, fds0);
  std::this_thread::sleep_for(200ms);
  const long rss1 = rss_bytes(c.pid);
  const int fds1 = open_fds(c.pid);
  const int code = stop(c);
  std::printf("stress/churn: %d connections opened, served and closed in %.1f s (%d errors); server fds %d -> %d, "
              "RSS %ld -> %ld bytes (%+ld)\n",
              total, secs, errors, fds0, fds1, rss0, rss1, rss1 - rss0);
  expect(errors == 0, "no connection fails");
  expect(fds1 == fds0, "descriptors back to baseline");
#if !defined(__SANITIZE_ADDRESS__)  // AddressSanitizer's quarantine holds freed memory on purpose
  expect(rss1 - rss0 < 4 * 1024 * 1024, "RSS back to its baseline (within 4 MiB)");
#endif
  expect(code == 0, "the server exits cleanly, exit " + std::to_string(code));
}

// Connections trickling header bytes do not slow a normal client and are closed at headers_timeout.
void slowloris() {
  const int n = long_mode ? 500 : 200;
  const auto headers_timeout = long_mode ? 2000ms : 1000ms;
  raise_fd_limit(static_cast<rlim_t>(n) + 200);
  child_config cfg;
  cfg.options.headers_timeout = headers_timeout;
  child c = start_child(cfg);
  const int fds0 = baseline_fds(c.pid);
  const auto before = timed_requests(c.port, 200);

  net::io_context io(1);
  std::vector<double> closed_after;  // ms from connect to the server's close
  int answered_408 = 0;
  std::vector<std::unique_ptr<tcp::socket>> sockets;
  auto trickle = [&](tcp::socket& s) -> awaitable<void> {
    // Before connecting: the server's clock for this connection starts later, at accept.
    const auto t0 = clock_type::now();
    if (!co_await connect_to(s, c.port)) co_return;
    std::string got;
    bool reading = true;
    // A reader notices the close; the writer sends a header byte every 100 ms meanwhile.
    net::co_spawn(
        io,
        [&, t0]() -> awaitable<void> {
          char tmp[512];
          for (;;) {
            auto [ec, k] = co_await s.async_read_some(net::buffer(tmp), net::as_tuple(net::use_awaitable));
            got.append(tmp, k);
            if (ec) break;
          }
          closed_after.push_back(ms_since(t0));
          answered_408 += got.rfind("HTTP/1.1 408", 0) == 0;
          reading = false;
        },
        net::detached);
    const std::string head = "GET / HTTP/1.1\r\nHost: stress\r\nX-Slow: ";
    net::steady_timer t(io);
    for (std::size_t i = 0; reading && i < 100000; ++i) {
      const char b = i < head.size() ? head[i] : 'a';
      auto [ec, k] = co_await net::async_write(s, net::buffer(&b, 1), net::as_tuple(net::use_awaitable));
      if (ec) break;
      t.expires_after(100ms);
      co_await t.async_wait(net::use_awaitable);
    }
    while (reading) {
      t.expires_after(10ms);
      co_await t.async_wait(net::use_awaitable);
    }
  };
  for (int i = 0; i < n; ++i) {
    sockets.push_back(std::make_unique<tcp::socket>(io));
    net::co_spawn(io, trickle(*sockets.back()), net::detached);
  }
  std::thread loop([&] { io.run_for(std::chrono::milliseconds(headers_timeout) * 3 + 5s); });
  std::this_thread::sleep_for(200ms);  // every trickler connected and sending
  const int fds_during = open_fds(c.pid);
  const auto during = timed_requests(c.port, 200);
  loop.join();
  sockets.clear();
  settle_fds(c.pid, fds0);
  const int fds_after = open_fds(c.pid);
  const int code = stop(c);
  const double p50_before = percentile(before, 0.5), p50_during = percentile(during, 0.5);
  const double p99_during = percentile(during, 0.99);
  const double first_close = closed_after.empty() ? -1 : *std::min_element(closed_after.begin(), closed_after.end());
  const double last_close = closed_after.empty() ? -1 : *std::max_element(closed_after.begin(), closed_after.end());
  std::printf("stress/slowloris: %d trickling connections (server fds %d -> %d); a normal client's 200 requests: "
              "median %.2f ms before, %.2f ms during (p99 %.2f ms); tricklers closed with 408 at %.0f-%.0f ms "
              "(headers_timeout %lld ms), %d of %d answered 408; fds after %d\n",
              n, fds0, fds_during, p50_before, p50_during, p99_during, first_close, last_close,
              static_cast<long long>(headers_timeout.count()), answered_408, n, fds_after);
  expect(before.size() == 200 && during.size() == 200, "the normal client is served");
  expect(p50_during - p50_before < 5, "the normal client's median latency rises by less than 5 ms");
  expect(static_cast<int>(closed_after.size()) == n, "every trickler is closed");
  expect(answered_408 == n, "every trickler is answered 408");
  expect(first_close >= static_cast<double>(headers_timeout.count()) - 50, "no trickler closed before headers_timeout");
  expect(last_close <= static_cast<double>(headers_timeout.count()) + 1500, "every trickler closed soon after it");
  expect(fds_after == fds0, "descriptors back to baseline");
  expect(code == 0, "the server exits cleanly, exit " + std::to_string(code));
}

// A client pipelines 10,000 requests and never reads: the server stops reading (backpressure),
// its memory stays bounded, and it serves others meanwhile.
void pipeline() {
  const int n = 10000;
  child_config cfg;
  child c = start_child(cfg);
  probe(c.port);
  const long rss0 = rss_bytes(c.pid);
  const int fds0 = baseline_fds(c.pid);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(c.port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("connect");
  ::fcntl(fd, F_SETFL, O_NONBLOCK);
  std::string all;
  for (int i = 0; i < n; ++i) all += get_root;
  std::size_t sent = 0;
  auto t0 = clock_type::now();
  // Write until every request is out or the kernel has taken nothing more for 500 ms.
  auto last_progress = clock_type::now();
  while (sent < all.size() && ms_since(last_progress) < 500) {
    ssize_t k = ::send(fd, all.data() + sent, all.size() - sent, MSG_NOSIGNAL);
    if (k > 0) {
      sent += static_cast<std::size_t>(k);
      last_progress = clock_type::now();
    } else {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 50);
    }
  }
  std::this_thread::sleep_for(300ms);
  const long rss1 = rss_bytes(c.pid);
  double latency = 0;
  int others = 0;
  for (int i = 0; i < 20; ++i) others += probe(c.port, "/", 3000, &latency);
  const long rss2 = rss_bytes(c.pid);
  ::close(fd);
  // The server's first failed write ends the connection: the requests it still holds go unanswered.
  settle_fds(c.pid, fds0, 5000);
  const int fds_after = open_fds(c.pid);
  const int code = stop(c);
  std::printf("stress/pipeline: a client pipelined %d requests (%zu of %zu bytes taken in %.0f ms) and never read; "
              "server RSS %ld -> %ld -> %ld bytes (%+ld); %d of 20 other clients served (last %.1f ms); fds %d -> %d\n",
              n, sent, all.size(), ms_since(t0), rss0, rss1, rss2, std::max(rss1, rss2) - rss0, others, latency, fds0,
              fds_after);
  expect(std::max(rss1, rss2) - rss0 < 16 * 1024 * 1024, "server memory bounded (less than 16 MiB more)");
  expect(others == 20, "other clients are served meanwhile");
  expect(fds_after == fds0, "descriptors back to baseline");
  expect(code == 0, "the server exits cleanly, exit " + std::to_string(code));
}

// Clients vanishing mid-way; handlers that throw, never answer, answer twice: the next client is
// served, nothing leaks (the server exits under LeakSanitizer in the ASan build).
void faults() {
  const int rounds = long_mode ? 200 : 20;
  child_config cfg;
  cfg.options.timeout = 500ms;  // the socket idle timeout ends a handler that never answers
  child c = start_child(cfg);
  probe(c.port);
  const int fds0 = baseline_fds(c.pid);
  std::map<std::string, int> ok;
  net::io_context io(1);
  auto vanish = [&](std::string name, std::string bytes, std::size_t read_first, bool reset) -> awaitable<void> {
    trace("vanish " + name);
    tcp::socket s(io);
    if (!co_await connect_to(s, c.port)) co_return;
    if (!co_await send_all(s, bytes)) co_return;
    std::size_t got = 0;
    char tmp[8192];
    while (got < read_first) {
      auto [ec, k] = co_await s.async_read_some(net::buffer(tmp), net::as_tuple(net::use_awaitable));
      if (ec) break;
      got += k;
    }
    boost::system::error_code ignored;
    if (reset) s.set_option(net::socket_base::linger(true, 0), ignored);
    s.close(ignored);
    ++ok[name];
  };
  auto answered = [&](std::string name, std::string target, int want_status, bool then_more) -> awaitable<void> {
    trace("answered " + name);
    tcp::socket s(io);
    if (!co_await connect_to(s, c.port)) co_return;
    if (!co_await send_all(s, "GET " + target + " HTTP/1.1\r\nHost: stress\r\n\r\n")) co_return;
    std::string buf, body;
    bool closed = false;
    int status = co_await read_response(s, buf, false, &body, &closed);
    trace("status " + std::to_string(status));
    bool good = status == want_status;
    if (then_more) {  // the same connection serves the next request
      good = good && co_await send_all(s, get_root) && co_await read_response(s, buf) == 200;
    } else if (!closed) {  // the connection closes (after a partial body, or a timeout)
      char tmp[4096];
      for (int i = 0; i < 1000; ++i) {
        auto [ec, k] = co_await s.async_read_some(net::buffer(tmp), net::as_tuple(net::use_awaitable));
        if (ec) break;
      }
    }
    ok[name] += good;
  };
  auto t0 = clock_type::now();
  net::co_spawn(
      io,
      [&]() -> awaitable<void> {
        for (int r = 0; r < rounds; ++r) {
          const bool reset = r % 2;
          co_await vanish("mid-head", "GET / HTTP/1.1\r\nHost: str", 0, reset);
          co_await vanish("mid-body", "POST /body HTTP/1.1\r\nHost: stress\r\nContent-Length: 100000\r\n\r\n" +
                                          std::string(1000, 'x'), 0, reset);
          co_await vanish("mid-chunked-body", "POST /body HTTP/1.1\r\nHost: stress\r\nTransfer-Encoding: chunked\r\n\r\n"
                                              "1000\r\nabc", 0, reset);
          co_await vanish("mid-response", "GET /big HTTP/1.1\r\nHost: stress\r\n\r\n", 100000, reset);
          co_await answered("throws", "/throw", 500, false);
          co_await answered("twice", "/twice", 200, true);
          co_await answered("throws-mid-response", "/throw-late", 0, false);
        }
        // Handlers that never answer: all at once, each ended by the 500 ms socket timeout.
        for (int r = 0; r < rounds; ++r)
          net::co_spawn(io, answered("never-answers", "/never", 0, false), net::detached);
        co_return;
      },
      net::detached);
  io.run_for(120s);
  const double secs = ms_since(t0) / 1000;
  const bool next_served = probe(c.port);
  settle_fds(c.pid, fds0);
  const int fds_after = open_fds(c.pid);
  const int code = stop(c);
  std::string summary;
  for (auto& [name, count] : ok) summary += " " + name + " " + std::to_string(count) + "/" + std::to_string(rounds) + ",";
  std::printf("stress/faults: in %.1f s:%s next client served: %s; server fds %d -> %d; server exit %d\n", secs,
              summary.c_str(), next_served ? "yes" : "no", fds0, fds_after, code);
  for (auto name : {"mid-head", "mid-body", "mid-chunked-body", "mid-response", "throws", "twice", "throws-mid-response",
                    "never-answers"})
    expect(ok[name] == rounds, std::string(name) + ": every round behaved");
  expect(next_served, "the next client is served");
  expect(fds_after == fds0, "descriptors back to baseline");
  expect(code == 0, "the server exits cleanly (LeakSanitizer in the ASan build), exit " + std::to_string(code));
}

// With its descriptor limit reached, the server's accept loop neither spins nor dies, and serves
// again once descriptors are free.
void fd_exhaustion() {
  const int limit = 64, held = 100;
  child_config cfg;
  cfg.fd_limit = limit;
  child c = start_child(cfg);
  probe(c.port);
  std::vector<int> fds;
  for (int i = 0; i < held; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(c.port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::fcntl(fd, F_SETFL, O_NONBLOCK);
    (void)::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    fds.push_back(fd);
  }
  std::this_thread::sleep_for(300ms);
  const int server_fds = open_fds(c.pid);
  const double cpu0 = cpu_seconds(c.pid);
  const auto window = 1500ms;
  std::this_thread::sleep_for(window);
  const double cpu = cpu_seconds(c.pid) - cpu0;
  const bool alive = ::kill(c.pid, 0) == 0 && ::waitpid(c.pid, nullptr, WNOHANG) == 0;
  const bool served_while_full = probe(c.port, "/", 300);
  for (int fd : fds) ::close(fd);
  auto t0 = clock_type::now();
  bool served_again = false;
  for (int i = 0; i < 50 && !served_again; ++i) served_again = probe(c.port, "/", 200);
  const double again_ms = ms_since(t0);
  const int code = stop(c);
  std::printf("stress/fd-exhaustion: server limited to %d fds, %d connections thrown at it: %d fds open, "
              "%.3f s of CPU in %.1f s at the limit (not spinning), alive: %s, served while full: %s, served again "
              "%.0f ms after the clients left: %s\n",
              limit, held, server_fds, cpu, std::chrono::duration<double>(window).count(), alive ? "yes" : "no",
              served_while_full ? "yes" : "no", again_ms, served_again ? "yes" : "no");
  expect(server_fds >= limit - 1, "the limit was reached");
  expect(cpu < 0.3 * std::chrono::duration<double>(window).count(), "the accept loop does not spin");
  expect(alive, "the server lives");
  expect(served_again, "the server serves again once descriptors are free");
  expect(code == 0, "the server exits cleanly, exit " + std::to_string(code));
}

// close() under load: every request accepted before it gets its whole response, then the server
// is gone and none of its descriptors remains.
void graceful_close() {
  const int n = long_mode ? 1000 : 200;
  // Each handler takes this long: every request is still in its handler when close() comes.
  const std::string slow = std::string("GET /slow?ms=") + (long_mode ? "3000" : "1500") + " HTTP/1.1\r\nHost: stress\r\n\r\n";
  raise_fd_limit(static_cast<rlim_t>(n) + 200);
  child_config cfg;
  child c = start_child(cfg);
  net::io_context io(1);
  int complete = 0, with_close = 0, eof_after = 0, accepted = 0;
  std::vector<std::unique_ptr<tcp::socket>> sockets;
  auto one = [&](tcp::socket& s) -> awaitable<void> {
    if (!co_await connect_to(s, c.port)) co_return;
    if (!co_await send_all(s, slow)) co_return;
    std::string buf, body;
    // The response's head: look for Connection: close in it.
    parser p(message_type::response);
    char tmp[4096];
    bool done = false, closing = false;
    while (!done) {
      auto [ec, k] = co_await s.async_read_some(net::buffer(tmp), net::as_tuple(net::use_awaitable));
      if (ec) break;
      buf.append(tmp, k);
      for (;;) {
        parser::step st = p.parse(buf);
        if (st.what == parser::event::head) closing = !p.head().keep_alive;
        if (st.what == parser::event::body) body.append(st.body);
        buf.erase(0, st.consumed);
        if (st.what == parser::event::complete) done = true;
        if (st.what == parser::event::need_more || st.what == parser::event::error || done) break;
      }
    }
    complete += done && body == "slow";
    with_close += closing;
    auto [ec, k] = co_await s.async_read_some(net::buffer(tmp), net::as_tuple(net::use_awaitable));
    eof_after += ec == net::error::eof;
  };
  for (int i = 0; i < n; ++i) {
    sockets.push_back(std::make_unique<tcp::socket>(io));
    net::co_spawn(io, one(*sockets.back()), net::detached);
  }
  std::thread loop([&] { io.run_for(30s); });
  // Wait until the server has accepted every request (its handler reports each), then close().
  auto t0 = clock_type::now();
  while (accepted < n && ms_since(t0) < 20000) {
    pollfd p{c.progress_fd, POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      char tmp[1024];
      ssize_t k = ::read(c.progress_fd, tmp, sizeof tmp);
      if (k > 0) accepted += static_cast<int>(k);
    }
  }
  ::kill(c.pid, SIGUSR1);
  int left = -1;
  pollfd p{c.result_fd, POLLIN, 0};
  if (::poll(&p, 1, 20000) > 0) (void)!::read(c.result_fd, &left, sizeof left);
  const bool refused_after = !probe(c.port, "/", 500);
  loop.join();
  ::kill(c.pid, SIGTERM);
  const int code = reap(c);
  std::printf("stress/graceful-close: %d requests in flight when close() was called (%d accepted): %d full responses, "
              "%d saying Connection: close, %d connections then closed by the server; server fds left after "
              "'close': %d; new connections refused: %s\n",
              n, accepted, complete, with_close, eof_after, left, refused_after ? "yes" : "no");
  expect(accepted == n, "the server accepted every request before close()");
  expect(complete == n, "every accepted request gets its whole response");
  expect(with_close == n, "each says Connection: close");
  expect(eof_after == n, "then the server closes each connection");
  expect(left == 0, "no descriptor of the server remains");
  expect(refused_after, "no new connection is accepted");
  expect(code == 0, "the server exits cleanly, exit " + std::to_string(code));
}

// The client against a server that resets, stalls, closes kept-alive sockets at random, or answers
// garbage: every request ends (response or error) in bounded time; no dead socket stays pooled.
void client_chaos() {
  const int total = long_mode ? 3000 : 300, parallel = 16;
  // The chaos server: a raw Asio server on its own thread.
  net::io_context sio(1);
  tcp::acceptor acc(sio, tcp::endpoint(net::ip::address_v4::loopback(), 0));
  const std::uint16_t port = acc.local_endpoint().port();
  std::atomic<bool> chaos{true};
  std::atomic<int> open_conns{0};
  std::map<std::string, int> acts;
  std::mutex acts_mutex;
  auto serve = [&](tcp::socket s, unsigned seed) -> awaitable<void> {
    ++open_conns;
    std::mt19937 rng(seed);
    std::string buf;
    char tmp[4096];
    for (;;) {
      std::size_t end;
      while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
        auto [ec, k] = co_await s.async_read_some(net::buffer(tmp), net::as_tuple(net::use_awaitable));
        if (ec) {
          --open_conns;
          co_return;
        }
        buf.append(tmp, k);
      }
      buf.erase(0, end + 4);
      int act = chaos ? static_cast<int>(rng() % 6) : 0;
      static const char* names[] = {"ok", "ok-then-close", "reset", "stall", "garbage", "truncated"};
      {
        std::lock_guard lock(acts_mutex);
        ++acts[names[act]];
      }
      const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok";
      boost::system::error_code ignored;
      if (act == 0 || act == 1) {
        auto [ec, k] = co_await net::async_write(s, net::buffer(ok), net::as_tuple(net::use_awaitable));
        if (ec) break;
        if (act == 1) break;  // a kept-alive socket closed without a word
        continue;
      }
      if (act == 2) s.set_option(net::socket_base::linger(true, 0), ignored);
      if (act == 3) {  // stall: read (and ignore) until the client gives up
        for (;;) {
          auto [ec, k] = co_await s.async_read_some(net::buffer(tmp), net::as_tuple(net::use_awaitable));
          if (ec) break;
        }
      }
      if (act == 4) {
        std::string junk = "HTTP/1.1 2x0 \x01\x02garbage\r\n\r\n";
        for (int i = 0; i < 8; ++i) junk += static_cast<char>(rng());
        co_await net::async_write(s, net::buffer(junk), net::as_tuple(net::use_awaitable));
      }
      if (act == 5) {
        std::string part = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this";
        co_await net::async_write(s, net::buffer(part), net::as_tuple(net::use_awaitable));
      }
      break;
    }
    boost::system::error_code ignored;
    s.close(ignored);
    --open_conns;
  };
  net::co_spawn(
      sio,
      [&]() -> awaitable<void> {
        for (unsigned seed = 1;; ++seed) {
          auto [ec, s] = co_await acc.async_accept(net::as_tuple(net::use_awaitable));
          if (ec) co_return;
          net::co_spawn(sio, serve(std::move(s), seed), net::detached);
        }
      },
      net::detached);
  std::thread server_thread([&] { sio.run(); });

  net::io_context io(1);
  agent_options ao;
  ao.keep_alive = true;
  ao.max_sockets = 8;
  agent pool(io, ao);
  int next = 0, responses = 0, errors = 0, done = 0;
  double slowest = 0;
  std::map<std::string, int> error_kinds;
  auto worker = [&]() -> awaitable<void> {
    while (next < total) {
      ++next;
      request_options o;
      o.host = "127.0.0.1";
      o.port = port;
      o.path = "/";
      o.agent = &pool;
      o.timeout = 300ms;
      auto t0 = clock_type::now();
      auto req = get(io.get_executor(), o);
      auto res = co_await req.response();
      bool good = false;
      if (res) {
        std::string body;
        auto ec = co_await res->read_all(body);
        good = !ec && body == "ok";
        if (ec) ++error_kinds["body: " + ec.message()];
      } else {
        ++error_kinds[res.ec.message()];
      }
      (good ? responses : errors)++;
      ++done;
      slowest = std::max(slowest, ms_since(t0));
    }
  };
  auto t0 = clock_type::now();
  for (int w = 0; w < parallel; ++w) net::co_spawn(io, worker(), net::detached);
  io.run_for(long_mode ? 300s : 60s);
  const double secs = ms_since(t0) / 1000;
  const bool hung = done != total;
  // Afterwards: prune, and no pooled socket may be one the server has closed.
  std::this_thread::sleep_for(50ms);  // the server's last FINs arrive
  pool.prune();
  std::size_t pooled = 0;
  for (auto& [name, k] : pool.free_sockets()) pooled += k;
  const int server_open = open_conns.load();
  // With the chaos over, the pool serves again at once.
  chaos = false;
  io.restart();
  next = 0;
  const int chaos_responses = responses, chaos_errors = errors;
  responses = errors = done = 0;
  const int after = 50;
  for (int w = 0; w < 4; ++w)
    net::co_spawn(
        io,
        [&]() -> awaitable<void> {
          while (next < after) {
            ++next;
            request_options o;
            o.host = "127.0.0.1";
            o.port = port;
            o.path = "/";
            o.agent = &pool;
            o.timeout = 1000ms;
            auto req = get(io.get_executor(), o);
            auto res = co_await req.response();
            std::string body;
            bool good = res && !co_await res->read_all(body) && body == "ok";
            (good ? responses : errors)++;
            ++done;
          }
        },
        net::detached);
  io.run_for(20s);
  pool.destroy();
  io.restart();
  io.run_for(100ms);
  acc.close();
  sio.stop();
  server_thread.join();
  std::string acts_text, kinds_text;
  for (auto& [k, v] : acts) acts_text += " " + k + " " + std::to_string(v) + ",";
  for (auto& [k, v] : error_kinds) kinds_text += " '" + k + "' " + std::to_string(v) + ",";
  std::printf("stress/client-chaos: %d requests in %.1f s against a server acting:%s -> %d responses, %d errors "
              "(%s), none hung (slowest %.0f ms); afterwards %zu pooled sockets, the server holding %d open; "
              "then %d of %d requests served\n",
              total, secs, acts_text.c_str(), chaos_responses, chaos_errors, kinds_text.c_str(), slowest, pooled,
              server_open, responses, after);
  expect(!hung, "every request ended");
  expect(chaos_responses + chaos_errors == total, "every request got a response or an error");
  // A request waits for a socket behind at most a few others, each ended by the 300 ms timeout.
  expect(slowest < 2000, "no request took 2 s");
  expect(pooled <= static_cast<std::size_t>(server_open), "no pooled socket is one the server closed");
  expect(responses == after, "with the chaos over, every request is served");
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  std::string which;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--long") long_mode = true;
    else which = a;
  }
  const std::map<std::string, std::function<void()>> scenarios{
      {"keepalive", keepalive},       {"churn", churn},         {"slowloris", slowloris},
      {"pipeline", pipeline},         {"faults", faults},       {"fd-exhaustion", fd_exhaustion},
      {"graceful-close", graceful_close}, {"client-chaos", client_chaos}};
  if (which.empty() || (which != "all" && !scenarios.count(which))) {
    std::fprintf(stderr, "usage: stress SCENARIO [--long]   (SCENARIO: all");
    for (auto& [name, f] : scenarios) std::fprintf(stderr, ", %s", name.c_str());
    std::fprintf(stderr, ")\n");
    return 2;
  }
  for (auto& [name, run] : scenarios) {
    if (which != "all" && which != name) continue;
    try {
      run();
    } catch (const std::exception& e) {
      std::printf("stress/%s: FAILED: %s\n", name.c_str(), e.what());
      ++failures;
    }
    std::fflush(stdout);
  }
  return failures ? 1 : 0;
}
