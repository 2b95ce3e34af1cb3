// HTTP client benchmark: keep-alive GET requests against one server, for corohttp's client (request()
// through an agent) and for a small Boost.Beast client with awaitables, in the same binary.
//
//   client_bench --client corohttp|beast --connections N --port P [--host 127.0.0.1] [--path /]
//                [--warmup 1] [--seconds 5]
//
// N coroutines each run requests back to back (N = 1: one sequential keep-alive connection; N = 64:
// 64 concurrent connections, through one agent with max_sockets N for corohttp). After the warm-up
// the program measures for --seconds and prints one line of key=value pairs:
//   requests, seconds, rps, cpu_us_per_req (getrusage over the window: utime + stime / requests),
//   new_per_req (operator new calls per request), aligned_per_req (aligned_alloc calls per request:
//   Asio's recycling allocator takes its coroutine frames and operation blocks from there when its
//   small per-thread cache misses), allocs_per_req (the two together).
#include <corohttp/corohttp.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <dlfcn.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

// --- allocation counting -----------------------------------------------------------------------------
namespace {
std::atomic<unsigned long> g_new{0}, g_aligned{0};

void* counted(std::size_t n) {
  g_new.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* counted_aligned(std::size_t n, std::align_val_t a) {
  g_new.fetch_add(1, std::memory_order_relaxed);
  void* p = nullptr;
  if (posix_memalign(&p, static_cast<std::size_t>(a), n ? n : 1) == 0) return p;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t n) { return counted(n); }
void* operator new[](std::size_t n) { return counted(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  g_new.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  g_new.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
void* operator new(std::size_t n, std::align_val_t a) { return counted_aligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_aligned(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

// Asio's recycling allocator (coroutine frames, operation blocks) calls std::aligned_alloc.
extern "C" void* aligned_alloc(std::size_t align, std::size_t n) {
  using fn = void* (*)(std::size_t, std::size_t);
  static fn real = reinterpret_cast<fn>(dlsym(RTLD_NEXT, "aligned_alloc"));
  g_aligned.fetch_add(1, std::memory_order_relaxed);
  return real(align, n);
}

namespace {
namespace net = boost::asio;
namespace http = boost::beast::http;
using net::ip::tcp;

struct config {
  std::string client = "corohttp";
  std::string host = "127.0.0.1";
  std::string path = "/";
  std::uint16_t port = 0;
  int connections = 1;
  double warmup = 1.0;
  double seconds = 5.0;
};

struct run_state {
  bool stop = false;
  unsigned long requests = 0;
  unsigned long errors = 0;
  std::string first_error;
  void error(const std::string& what) {
    if (errors++ == 0) first_error = what;
    stop = true;
  }
};

// --- corohttp: request() through one agent ------------------------------------------------------------
net::awaitable<void> corohttp_worker(corohttp::agent& a, const corohttp::request_options& base, run_state& st) {
  auto ex = co_await net::this_coro::executor;
  while (!st.stop) {
    corohttp::request_options o = base;
    o.agent = &a;
    auto req = corohttp::request(ex, std::move(o));
    auto res = co_await req.response();
    if (!res) {
      st.error("corohttp: " + res.ec.message());
      co_return;
    }
    if (res->status_code() != 200) {
      st.error("corohttp: status " + std::to_string(res->status_code()));
      co_return;
    }
    for (;;) {
      auto chunk = co_await res->read();
      if (!chunk) break;
    }
    if (res->error()) {
      st.error("corohttp body: " + res->error().message());
      co_return;
    }
    ++st.requests;
  }
}

// --- Beast: one socket per coroutine, a fresh response object per request ----------------------------------
net::awaitable<void> beast_worker(const config& cfg, run_state& st) {
  auto ex = co_await net::this_coro::executor;
  tcp::socket sock(ex);
  auto [cec] = co_await sock.async_connect(tcp::endpoint(net::ip::make_address(cfg.host), cfg.port),
                                           net::as_tuple(net::use_awaitable));
  if (cec) {
    st.error("beast connect: " + cec.message());
    co_return;
  }
  sock.set_option(tcp::no_delay(true));
  http::request<http::empty_body> req{http::verb::get, cfg.path, 11};
  req.set(http::field::host, cfg.host + ":" + std::to_string(cfg.port));
  req.keep_alive(true);
  boost::beast::flat_buffer buf;
  while (!st.stop) {
    auto [wec, wn] = co_await http::async_write(sock, req, net::as_tuple(net::use_awaitable));
    if (wec) {
      st.error("beast write: " + wec.message());
      co_return;
    }
    http::response<http::string_body> res;
    auto [rec, rn] = co_await http::async_read(sock, buf, res, net::as_tuple(net::use_awaitable));
    if (rec) {
      st.error("beast read: " + rec.message());
      co_return;
    }
    if (res.result_int() != 200) {
      st.error("beast: status " + std::to_string(res.result_int()));
      co_return;
    }
    ++st.requests;
  }
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

struct snapshot {
  std::chrono::steady_clock::time_point t;
  double cpu;
  unsigned long requests, news, aligned;
};
snapshot take(const run_state& st) {
  return {std::chrono::steady_clock::now(), cpu_seconds(), st.requests, g_new.load(), g_aligned.load()};
}

int usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s --client corohttp|beast --port P [--host H] [--path /] [--connections N] "
               "[--warmup S] [--seconds S]\n",
               argv0);
  return 2;
}
}  // namespace

int main(int argc, char** argv) {
  config cfg;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return usage(argv[0]);
    std::string v = argv[++i];
    if (a == "--client") cfg.client = v;
    else if (a == "--host") cfg.host = v;
    else if (a == "--path") cfg.path = v;
    else if (a == "--port") cfg.port = static_cast<std::uint16_t>(std::stoi(v));
    else if (a == "--connections") cfg.connections = std::stoi(v);
    else if (a == "--warmup") cfg.warmup = std::stod(v);
    else if (a == "--seconds") cfg.seconds = std::stod(v);
    else return usage(argv[0]);
  }
  if (cfg.port == 0 || cfg.connections < 1 || (cfg.client != "corohttp" && cfg.client != "beast"))
    return usage(argv[0]);

  net::io_context io(1);
  run_state st;
  corohttp::agent_options ao;
  ao.keep_alive = true;
  ao.max_sockets = static_cast<std::size_t>(cfg.connections);
  corohttp::agent agent(io, ao);
  corohttp::request_options base;
  base.hostname = cfg.host;
  base.port = cfg.port;
  base.path = cfg.path;

  for (int i = 0; i < cfg.connections; ++i) {
    if (cfg.client == "corohttp")
      net::co_spawn(io, corohttp_worker(agent, base, st), net::detached);
    else
      net::co_spawn(io, beast_worker(cfg, st), net::detached);
  }

  snapshot begin{}, end{};
  net::steady_timer phase(io);
  auto to_dur = [](double s) { return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(s)); };
  net::co_spawn(io, [&]() -> net::awaitable<void> {
    phase.expires_after(to_dur(cfg.warmup));
    co_await phase.async_wait(net::use_awaitable);
    begin = take(st);
    phase.expires_after(to_dur(cfg.seconds));
    co_await phase.async_wait(net::use_awaitable);
    end = take(st);
    st.stop = true;
  }, net::detached);
  io.run();

  if (st.errors) {
    std::fprintf(stderr, "client_bench: %s (%lu errors)\n", st.first_error.c_str(), st.errors);
    return 1;
  }
  const double secs = std::chrono::duration<double>(end.t - begin.t).count();
  const double n = static_cast<double>(end.requests - begin.requests);
  if (n <= 0) {
    std::fprintf(stderr, "client_bench: no requests completed\n");
    return 1;
  }
  const double news = static_cast<double>(end.news - begin.news) / n;
  const double aligned = static_cast<double>(end.aligned - begin.aligned) / n;
  std::printf("client=%s connections=%d requests=%.0f seconds=%.3f rps=%.0f cpu_us_per_req=%.3f "
              "new_per_req=%.3f aligned_per_req=%.3f allocs_per_req=%.3f total_requests=%lu\n",
              cfg.client.c_str(), cfg.connections, n, secs, n / secs, (end.cpu - begin.cpu) * 1e6 / n, news,
              aligned, news + aligned, st.requests);
  return 0;
}
