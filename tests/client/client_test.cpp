// The client (request()/get(), client_request, agent, the response as an incoming_message) against
// corohttp's own server on the same io_context, against Node's http server, and against a raw Node
// `net` server that sends crafted bytes (tests/client/node_peer.js). Every case is bounded in time:
// the io_context runs with run_for, peers exit by themselves after 90 s, and only 127.0.0.1 servers
// on port 0 (or a UNIX socket in the temp directory) are used.
//
// Never write co_await inside a Catch macro: Catch2 v2 expands its argument more than once (in
// __builtin_constant_p and in the unevaluated tail of its do-while), and g++ 12 runs the co_await in
// each copy: `REQUIRE_FALSE(co_await req.write("x"))` sends "x" three times. Await into a variable,
// then check it.
#include <corohttp/corohttp.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "test_support.hpp"

extern char** environ;

using namespace corohttp;
using namespace std::chrono_literals;

namespace {

// --- running coroutines, bounded ---------------------------------------------------------------

/// Runs the coroutine `f()` on `io` until it finishes, at most `limit`; rethrows what it threw.
template <class F>
void run(net::io_context& io, F f, std::chrono::milliseconds limit = 10s) {
  bool done = false;
  std::exception_ptr failure;
  net::co_spawn(io, std::move(f), [&](std::exception_ptr e) {
    done = true;
    failure = e;
    io.stop();
  });
  io.restart();
  auto started = std::chrono::steady_clock::now();
  while (!done && std::chrono::steady_clock::now() - started < limit) io.run_for(limit);
  if (failure) std::rethrow_exception(failure);
  INFO("the test coroutine did not finish within " << limit.count() << " ms");
  REQUIRE(done);
}

awaitable<void> sleep_for(std::chrono::milliseconds d) {
  net::steady_timer t(co_await net::this_coro::executor, d);
  co_await t.async_wait(net::as_tuple(net::use_awaitable));
}

/// Polls `pred` every 5 ms until it holds or `limit` passes; returns its last value.
awaitable<bool> eventually(std::function<bool()> pred, std::chrono::milliseconds limit = 3s) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= until) co_return false;
    co_await sleep_for(5ms);
  }
  co_return true;
}

// --- the response, collected -------------------------------------------------------------------

struct fetched {
  boost::system::error_code ec;       // from response()
  boost::system::error_code body_ec;  // from read_all()
  int status = 0;
  std::string reason, version, body;
  header_map headers, trailers;
  std::vector<std::string> raw_headers, raw_trailers;
  bool reused = false, complete = false;

  std::string header(std::string_view name) const { return std::string(headers.get(name).value_or("")); }
  bool has(std::string_view name) const { return headers.contains(name); }
};

awaitable<fetched> collect(client_request& req) {
  fetched out;
  auto res = co_await req.response();
  out.reused = req.reused_socket();
  out.ec = res.ec;
  if (!res) co_return out;
  out.status = res->status_code();
  out.reason = std::string(res->status_message());
  out.version = std::string(res->http_version());
  out.headers = res->headers();
  for (auto v : res->raw_headers()) out.raw_headers.emplace_back(v);
  out.body_ec = co_await res->read_all(out.body);
  out.trailers = res->trailers();
  for (auto v : res->raw_trailers()) out.raw_trailers.emplace_back(v);
  out.complete = res->complete();
  co_return out;
}

/// One whole exchange: the request, `body` sent with end(body) when given, the response read.
awaitable<fetched> fetch(request_options o, std::optional<std::string> body = std::nullopt) {
  auto ex = co_await net::this_coro::executor;
  auto req = request(ex, std::move(o));
  if (body) {
    if (auto ec = co_await req.end(*body)) {
      fetched f;
      f.ec = ec;
      co_return f;
    }
  }
  co_return co_await collect(req);
}

request_options to(std::uint16_t port, std::string path = "/", std::string method = "GET") {
  request_options o;
  o.host = "127.0.0.1";
  o.port = port;
  o.path = std::move(path);
  o.method = std::move(method);
  return o;
}

// --- corohttp's own server, recording what it receives -------------------------------------------

struct seen_request {
  std::string method, url, version, body, peer;
  std::vector<std::pair<std::string, std::string>> raw;

  std::string header(std::string_view name) const {
    for (auto& [n, v] : raw)
      if (ascii::iequals(n, name)) return v;
    return {};
  }
  int count(std::string_view name) const {
    int n = 0;
    for (auto& [k, v] : raw) n += ascii::iequals(k, name);
    return n;
  }
  bool has(std::string_view name) const { return count(name) > 0; }
};

std::string peer_address(stream_socket& s) {
  boost::system::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return "?";
  char text[INET6_ADDRSTRLEN] = {};
  if (ep.data()->sa_family == AF_INET)
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(ep.data())->sin_addr, text, sizeof text);
  else if (ep.data()->sa_family == AF_INET6)
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(ep.data())->sin6_addr, text, sizeof text);
  else
    return "unix";
  return text;
}

/// A corohttp server on the test's io_context. It records every request (after reading its body)
/// and answers 200 with the request body echoed (or "ok"), after `delay` if set.
struct our_server {
  explicit our_server(net::io_context& io, server_options so = {}, std::string listen_on = "127.0.0.1")
      : srv(io, {}, so) {
    srv.on_request([this](incoming_message& req, server_response& res) -> awaitable<void> { co_await handle(req, res); });
    srv.on_connection([this](stream_socket&) { ++connections; });
    if (listen_on.front() == '/') {
      listen_error = srv.listen(std::string_view(listen_on));
    } else {
      listen_error = srv.listen(0, listen_on);
      port = srv.address().port;
    }
  }

  awaitable<void> handle(incoming_message& req, server_response& res) {
    ++heads;
    ++active;
    max_active = std::max(max_active, active);
    seen_request s;
    s.method = std::string(req.method());
    s.url = std::string(req.url());
    s.version = std::string(req.http_version());
    s.peer = peer_address(req.socket());
    auto raw = req.raw_headers();
    for (std::size_t i = 0; i + 1 < raw.size(); i += 2) s.raw.emplace_back(raw[i], raw[i + 1]);
    if (delay.count() > 0) co_await sleep_for(delay);
    auto ec = co_await req.read_all(s.body);
    if (ec) s.body = "<error: " + ec.message() + ">";
    seen.push_back(s);
    --active;
    res.set_header("X-Seen-Url", s.url);
    std::string answer = s.body.empty() ? "ok" : s.body;  // (no temporary in a co_await: g++ 12)
    co_await res.end(answer);
  }

  const seen_request& last() const {
    REQUIRE(!seen.empty());
    return seen.back();
  }

  server srv;
  boost::system::error_code listen_error;
  std::uint16_t port = 0;
  std::vector<seen_request> seen;
  int connections = 0, heads = 0, active = 0, max_active = 0;
  std::chrono::milliseconds delay{0};
};

/// A TCP listener on the test's io_context that accepts connections and never answers; it notes
/// what it received and when each connection was closed by the client.
struct silent_server {
  explicit silent_server(net::io_context& io) : acceptor(io, net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    port = acceptor.local_endpoint().port();
    net::co_spawn(io, accept_loop(), net::detached);
  }
  awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, s] = co_await acceptor.async_accept(net::as_tuple(net::use_awaitable));
      if (ec) co_return;
      ++accepted;
      auto sock = std::make_shared<net::ip::tcp::socket>(std::move(s));
      net::co_spawn(acceptor.get_executor(), drain(sock), net::detached);
    }
  }
  awaitable<void> drain(std::shared_ptr<net::ip::tcp::socket> s) {
    char buf[4096];
    for (;;) {
      auto [ec, n] = co_await s->async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
      if (ec) break;
      received.append(buf, n);
    }
    ++closed_by_client;
  }
  net::ip::tcp::acceptor acceptor;
  std::uint16_t port = 0;
  int accepted = 0, closed_by_client = 0;
  std::string received;
};

// --- Node peers -----------------------------------------------------------------------------------

/// `node tests/client/node_peer.js MODE --port 0 --host 127.0.0.1`, its port read from the first
/// stdout line (within 15 s); stopped with SIGTERM (then SIGKILL) when the object goes.
class node_peer {
 public:
  explicit node_peer(const std::string& mode) {
    if (!test::have_program("node")) return;
    std::string script = (test::source_dir() / "client" / "node_peer.js").string();
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    std::vector<std::string> args{"node", script, mode, "--port", "0", "--host", "127.0.0.1"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = ::posix_spawnp(&pid_, "node", &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    fd_ = fds[0];
    REQUIRE(rc == 0);
    std::string line;
    auto until = std::chrono::steady_clock::now() + 15s;
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < until) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char c;
      if (::read(fd_, &c, 1) != 1) break;
      line.push_back(c);
    }
    auto colon = line.rfind(':');
    INFO("node_peer.js " << mode << " printed: " << line);
    REQUIRE((line.rfind("listening on http://", 0) == 0 && colon != std::string::npos));
    port_ = static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1)));
  }
  ~node_peer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      auto until = std::chrono::steady_clock::now() + 3s;
      while (::waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > until) {
          ::kill(pid_, SIGKILL);
          ::waitpid(pid_, &status, 0);
          break;
        }
        std::this_thread::sleep_for(10ms);
      }
    }
    if (fd_ >= 0) ::close(fd_);
  }
  node_peer(const node_peer&) = delete;

  bool running() const { return pid_ > 0; }
  std::uint16_t port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

#define NEED_NODE(peer)                                                                          \
  if (!(peer).running()) {                                                                       \
    test::skip("'node' is not installed: this case needs tests/client/node_peer.js as its peer"); \
    return;                                                                                      \
  }

/// The raw peer's counters (GET /stats, on a connection of its own): connections, and requests
/// per "METHOD /path".
struct raw_stats {
  int connections = -1;
  std::map<std::string, int> requests;
};
awaitable<raw_stats> stats_of(std::uint16_t port) {
  auto o = to(port, "/stats");
  o.no_agent = true;
  auto f = co_await fetch(o);
  raw_stats s;
  if (f.ec || f.status != 200) co_return s;
  // {"connections":N,"requests":{"GET /a":1,...}}
  auto num_after = [&](std::size_t at) { return std::atoi(f.body.c_str() + at); };
  if (auto at = f.body.find("\"connections\":"); at != std::string::npos) s.connections = num_after(at + 14);
  auto at = f.body.find("\"requests\":{");
  if (at == std::string::npos) co_return s;
  at += 12;
  while (at < f.body.size() && f.body[at] == '"') {
    auto end = f.body.find('"', at + 1);
    std::string key = f.body.substr(at + 1, end - at - 1);
    s.requests[key] = num_after(end + 2);
    at = f.body.find_first_of(",}", end + 2);
    if (at == std::string::npos || f.body[at] == '}') break;
    ++at;
  }
  co_return s;
}

agent_options keep_alive_options(std::size_t max_sockets = SIZE_MAX, std::size_t max_free = 256,
                                 std::chrono::milliseconds timeout = 0ms) {
  agent_options o;
  o.keep_alive = true;
  o.max_sockets = max_sockets;
  o.max_free_sockets = max_free;
  o.timeout = timeout;
  return o;
}

std::string agent_name(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port) + ":"; }

std::size_t count_of(const std::map<std::string, std::size_t>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

std::string temp_socket_path() {
  auto p = std::filesystem::temp_directory_path() / ("corohttp-client-" + std::to_string(::getpid()) + ".sock");
  std::filesystem::remove(p);
  return p.string();
}

}  // namespace

// =================================================================================================
// request(): options and URLs
// =================================================================================================

TEST_CASE("request(options) and request(url) against corohttp's server", "[client]") {
  net::io_context io;
  our_server s(io);
  REQUIRE_FALSE(s.listen_error);
  run(io, [&]() -> awaitable<void> {
    auto a = co_await fetch(to(s.port, "/opts?x=1"));
    REQUIRE_FALSE(a.ec);
    CHECK(a.status == 200);
    CHECK(a.reason == "OK");
    CHECK(a.version == "1.1");
    CHECK(a.body == "ok");
    CHECK(a.header("x-seen-url") == "/opts?x=1");
    CHECK(s.last().header("host") == "127.0.0.1:" + std::to_string(s.port));
    CHECK(s.last().header("connection") == "keep-alive");  // the global agent keeps sockets

    auto ex = co_await net::this_coro::executor;
    auto req = request(ex, "http://127.0.0.1:" + std::to_string(s.port) + "/by/url?q=a%20b#fragment");
    REQUIRE_FALSE(req.error());
    CHECK(req.path() == "/by/url?q=a%20b");
    CHECK(req.host() == "127.0.0.1");
    CHECK(req.method() == "GET");
    CHECK(req.protocol() == "http:");
    auto b = co_await collect(req);
    REQUIRE_FALSE(b.ec);
    CHECK(b.status == 200);
    CHECK(s.last().url == "/by/url?q=a%20b");

    // get(url) with options: the method is forced to GET, other options are kept.
    request_options extra;
    extra.method = "POST";
    extra.headers = {{"X-Extra", "1"}};
    auto g = get(ex, "http://127.0.0.1:" + std::to_string(s.port) + "/get", extra);
    auto c = co_await collect(g);
    REQUIRE_FALSE(c.ec);
    CHECK(s.last().method == "GET");
    CHECK(s.last().header("x-extra") == "1");

    // A query without a path gets "/" in front.
    auto q = request(ex, "http://127.0.0.1:" + std::to_string(s.port) + "?only=query");
    CHECK(q.path() == "/?only=query");
    auto d = co_await collect(q);
    CHECK(d.status == 200);
    CHECK(s.last().url == "/?only=query");
  });
}

TEST_CASE("URLs: credentials, errors, other schemes", "[client]") {
  net::io_context io;
  our_server s(io);
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    const std::string at = "127.0.0.1:" + std::to_string(s.port);

    auto r0 = request(ex, "http://user:pass@" + at + "/auth");
    auto a = co_await collect(r0);
    REQUIRE_FALSE(a.ec);
    CHECK(s.last().header("authorization") == "Basic dXNlcjpwYXNz");
    CHECK(s.last().header("host") == at);  // no credentials in Host

    // Node takes the credentials of a URL percent-decoded (decodeURIComponent).
    auto b = request(ex, "http://us%40er:p%3Ass@" + at + "/auth2");
    auto aw1 = co_await collect(b);
    REQUIRE_FALSE(aw1.ec);
    CHECK(s.last().header("authorization") == "Basic dXNAZXI6cDpzcw==");
    auto c = request(ex, "http://user@" + at + "/auth3");  // no password: "user:"
    auto cf = co_await collect(c);
    REQUIRE_FALSE(cf.ec);
    CHECK(s.last().header("authorization") == "Basic dXNlcjo=");

    // Scheme is case-insensitive; the default port is 80 and is left out of Host.
    request_options o;
    REQUIRE_FALSE(parse_url("HTTP://Example.test/x", o));
    CHECK(o.port == 80);
    CHECK(o.path == "/x");
    REQUIRE_FALSE(parse_url("http://[::1]:8080", o));
    CHECK(o.connect_host() == "::1");
    CHECK(o.port == 8080);
    CHECK(o.path == "/");

    for (auto [url, want] : std::vector<std::pair<std::string, error>>{
             {"https://127.0.0.1/", error::unsupported_protocol},
             {"ftp://127.0.0.1/", error::unsupported_protocol},
             {"no scheme here", error::invalid_url},
             {"http://", error::invalid_url},
             {"http://a b/", error::invalid_url},
             {"http://127.0.0.1:99999/", error::invalid_url},
             {"http://127.0.0.1:8x/", error::invalid_url},
             {"http://[::1/", error::invalid_url}}) {
      INFO(url);
      auto r = request(ex, url);
      CHECK(r.error() == want);
      auto res = co_await r.response();
      CHECK(res.ec == want);
      auto aw2 = co_await r.end();
      CHECK(aw2 == want);
      auto aw3 = co_await r.wait_socket();
      CHECK(aw3 == want);
    }
    CHECK(s.connections == 1);  // the global agent kept one socket for both good requests
  });
}

TEST_CASE("options: host, hostname, port, family, local_address", "[client]") {
  net::io_context io;
  our_server s(io);
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    const std::string port = std::to_string(s.port);

    auto o = to(s.port, "/hostname");
    o.host = "bogus.invalid";  // hostname wins
    o.hostname = "127.0.0.1";
    auto a = co_await fetch(o);
    REQUIRE_FALSE(a.ec);
    CHECK(s.last().header("host") == "127.0.0.1:" + port);

    o = to(s.port, "/host");
    o.host = "localhost";  // a name, resolved
    o.family = 4;
    auto b = co_await fetch(o);
    REQUIRE_FALSE(b.ec);
    CHECK(s.last().header("host") == "localhost:" + port);
    CHECK(count_of(global_agent(ex).free_sockets(), "localhost:" + port + "::4") == 1);

    o = to(s.port, "/v6-only");
    o.family = 6;  // 127.0.0.1 has no IPv6 address
    auto c = co_await fetch(o);
    CHECK(c.ec);

    o = to(s.port, "/local");
    o.local_address = "127.0.0.1";
    auto d = co_await fetch(o);
    REQUIRE_FALSE(d.ec);
    CHECK(s.last().peer == "127.0.0.1");
    CHECK(count_of(global_agent(ex).free_sockets(), "127.0.0.1:" + port + ":127.0.0.1") == 1);

    o.local_address = "::1";  // no route from an IPv6 address to an IPv4 one
    auto e = co_await fetch(o);
    CHECK(e.ec);
    o.local_address = "not an address";
    auto f = co_await fetch(o);
    CHECK(f.ec);

    o = to(1, "/refused");  // nothing listens on port 1
    auto g = co_await fetch(o);
    CHECK(g.ec == net::error::connection_refused);
  });
}

TEST_CASE("options: family 6 and an IPv6 literal", "[client]") {
  net::io_context io;
  our_server s(io, {}, "::1");
  if (s.listen_error) {
    test::skip("cannot listen on ::1 (" + s.listen_error.message() + "): the IPv6 client checks did not run");
    return;
  }
  run(io, [&]() -> awaitable<void> {
    auto o = to(s.port, "/six");
    o.host = "::1";
    o.family = 6;
    auto a = co_await fetch(o);
    REQUIRE_FALSE(a.ec);
    CHECK(a.status == 200);
    CHECK(s.last().peer == "::1");
    CHECK(s.last().header("host") == "[::1]:" + std::to_string(s.port));

    auto ex = co_await net::this_coro::executor;
    auto r = request(ex, "http://[::1]:" + std::to_string(s.port) + "/bracketed");
    auto b = co_await collect(r);
    REQUIRE_FALSE(b.ec);
    CHECK(s.last().header("host") == "[::1]:" + std::to_string(s.port));

    o.family = 4;  // ::1 is no IPv4 address
    auto c = co_await fetch(o);
    CHECK(c.ec);
  });
}

TEST_CASE("options: socket_path (a UNIX-domain socket)", "[client]") {
  net::io_context io;
  std::string path = temp_socket_path();
  our_server s(io, {}, path);
  REQUIRE_FALSE(s.listen_error);
  run(io, [&]() -> awaitable<void> {
    request_options o;
    o.socket_path = path;
    o.path = "/over/unix?x=1";
    o.method = "POST";
    auto a = co_await fetch(o, "via unix");
    REQUIRE_FALSE(a.ec);
    CHECK(a.status == 200);
    CHECK(a.body == "via unix");
    CHECK(s.last().url == "/over/unix?x=1");
    CHECK(s.last().header("host") == "localhost");  // Node's Host for a socketPath
    auto b = co_await fetch(o, "again");
    CHECK(b.reused);
    CHECK(s.connections == 1);

    o.socket_path = path + ".missing";
    auto c = co_await fetch(o);
    CHECK(c.ec);
  });
  std::filesystem::remove(path);
}

TEST_CASE("options: method, path with query, unescaped path, bad method", "[client]") {
  net::io_context io;
  our_server s(io);
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    for (std::string m : {"PUT", "DELETE", "PATCH", "OPTIONS", "PURGE"}) {
      auto f = co_await fetch(to(s.port, "/m/" + m + "?a=1&b=%2F", m));
      REQUIRE_FALSE(f.ec);
      CHECK(s.last().method == m);
      CHECK(s.last().url == "/m/" + m + "?a=1&b=%2F");
    }

    for (std::string bad : std::vector<std::string>{"/a path", "/tab\there", std::string("/nul\0x", 6), "/del\x7f", ""}) {
      INFO("path " << bad);
      auto req = request(ex, to(s.port, bad));
      CHECK(req.error() == error::unescaped_characters);
      auto aw4 = co_await req.response();
      CHECK(aw4.ec == error::unescaped_characters);
      auto aw5 = co_await req.write("x");
      CHECK(aw5 == error::unescaped_characters);
      auto aw6 = co_await req.flush_headers();
      CHECK(aw6 == error::unescaped_characters);
      auto aw7 = co_await req.end();
      CHECK(aw7 == error::unescaped_characters);
      auto aw8 = co_await req.upgrade();
      CHECK(aw8.ec == error::unescaped_characters);
    }
    auto req = request(ex, to(s.port, "/", "GE T"));
    CHECK(req.error() == error::invalid_http_token);
    auto aw9 = co_await req.response();
    CHECK(aw9.ec == error::invalid_http_token);

    auto o = to(s.port);
    o.headers = {{"Bad Name", "v"}};
    CHECK(request(ex, o).error() == error::invalid_http_token);
    o.headers = {{"X-Ok", "line\r\nInjected: yes"}};
    CHECK(request(ex, o).error() == error::invalid_char);
    CHECK(s.seen.size() == 5);  // nothing of the refused requests reached the server
  });
}

TEST_CASE("options: headers with several values, auth", "[client]") {
  net::io_context io;
  our_server s(io);
  run(io, [&]() -> awaitable<void> {
    auto o = to(s.port, "/h");
    o.headers = {{"X-Multi", "a"}, {"X-One", "1"}, {"x-multi", "b"}};
    o.auth = "user:pa ss";
    auto aw10 = co_await fetch(o);
    REQUIRE_FALSE(aw10.ec);
    const auto& r = s.last();
    REQUIRE(r.count("x-multi") == 2);
    std::vector<std::string> multi;
    for (auto& [n, v] : r.raw)
      if (ascii::iequals(n, "x-multi")) multi.push_back(v);
    CHECK(multi == std::vector<std::string>{"a", "b"});
    CHECK(r.header("x-one") == "1");
    CHECK(r.header("authorization") == "Basic dXNlcjpwYSBzcw==");
    CHECK(r.count("host") == 1);

    // The caller's own Authorization wins over auth, in any spelling.
    o.headers = {{"authorization", "Bearer token"}};
    auto aw11 = co_await fetch(o);
    REQUIRE_FALSE(aw11.ec);
    CHECK(s.last().count("authorization") == 1);
    CHECK(s.last().header("authorization") == "Bearer token");

    auto ex = co_await net::this_coro::executor;
    auto req = request(ex, to(s.port, "/set-auth"));
    req.set_header("AUTHORIZATION", "Custom x");
    auto aw12 = co_await collect(req);
    REQUIRE_FALSE(aw12.ec);
    CHECK(s.last().count("authorization") == 1);
    CHECK(s.last().header("authorization") == "Custom x");

    // The caller's Host wins; set_host = false sends none.
    o = to(s.port, "/host");
    o.headers = {{"Host", "example.test"}};
    auto aw13 = co_await fetch(o);
    REQUIRE_FALSE(aw13.ec);
    CHECK(s.last().header("host") == "example.test");
    CHECK(s.last().count("host") == 1);
  });
}

TEST_CASE("options: agent (global, given, none)", "[client]") {
  net::io_context io;
  our_server s(io);
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    const std::string name = agent_name(s.port);

    auto aw14 = co_await fetch(to(s.port, "/global"));
    REQUIRE_FALSE(aw14.ec);
    CHECK(s.last().header("connection") == "keep-alive");
    CHECK(count_of(global_agent(ex).free_sockets(), name) == 1);
    CHECK(&global_agent(ex) == &global_agent(io.get_executor()));
    CHECK(global_agent(ex).options().keep_alive);

    agent mine(ex, keep_alive_options());
    auto o = to(s.port, "/mine");
    o.agent = &mine;
    auto aw15 = co_await fetch(o);
    REQUIRE_FALSE(aw15.ec);
    CHECK(s.last().header("connection") == "keep-alive");
    CHECK(count_of(mine.free_sockets(), name) == 1);
    CHECK(count_of(global_agent(ex).free_sockets(), name) == 1);  // untouched
    CHECK(s.connections == 2);

    o = to(s.port, "/none");
    o.no_agent = true;
    auto f = co_await fetch(o);
    REQUIRE_FALSE(f.ec);
    CHECK(s.last().header("connection") == "close");
    CHECK_FALSE(f.reused);
    CHECK(s.connections == 3);
    CHECK(count_of(global_agent(ex).free_sockets(), name) == 1);
    CHECK(count_of(mine.free_sockets(), name) == 1);
    auto aw16 = co_await eventually([&] { return s.srv.connections() == 2; });
    CHECK(aw16);  // the no_agent socket closed

    // A caller's Connection: close is sent as it is and the socket is not kept.
    o = to(s.port, "/close");
    o.agent = &mine;
    o.headers = {{"Connection", "close"}};
    auto aw17 = co_await fetch(o);
    REQUIRE_FALSE(aw17.ec);
    CHECK(s.last().header("connection") == "close");
    CHECK(count_of(mine.free_sockets(), name) == 0);  // the reused socket was closed after its response
  });
}

TEST_CASE("options: timeout ends a request whose server never answers", "[client]") {
  net::io_context io;
  silent_server s(io);
  run(io, [&]() -> awaitable<void> {
    auto o = to(s.port, "/silent");
    o.timeout = 200ms;
    auto t0 = std::chrono::steady_clock::now();
    auto f = co_await fetch(o);
    auto took = std::chrono::steady_clock::now() - t0;
    CHECK(f.ec == error::socket_timeout);
    CHECK(took >= 150ms);
    CHECK(took < 3s);
    CHECK(s.received.rfind("GET /silent HTTP/1.1\r\n", 0) == 0);

    // set_timeout() on the request does the same.
    auto ex = co_await net::this_coro::executor;
    auto req = request(ex, to(s.port, "/silent2"));
    req.set_timeout(150ms);
    t0 = std::chrono::steady_clock::now();
    auto g = co_await collect(req);
    CHECK(g.ec == error::socket_timeout);
    CHECK(std::chrono::steady_clock::now() - t0 < 3s);
    auto aw18 = co_await eventually([&] { return s.closed_by_client == 2; });
    CHECK(aw18);  // both sockets destroyed
  });
}

// =================================================================================================
// client_request
// =================================================================================================

TEST_CASE("client_request: headers until the head is sent; flush_headers sends it at once", "[client]") {
  net::io_context io;
  our_server s(io);
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    auto req = request(ex, to(s.port, "/headers", "POST"));
    CHECK_FALSE(req.set_header("X-A", "1"));
    CHECK(req.get_header("x-a") == "1");
    CHECK(req.has_header("X-A"));
    CHECK_FALSE(req.set_header("X-List", {"1", "2"}));
    CHECK_FALSE(req.set_header("X-Gone", "bye"));
    CHECK_FALSE(req.set_header("x-a", "2"));  // replaces
    CHECK(req.get_header("X-A") == "2");
    CHECK_FALSE(req.remove_header("x-gone"));
    CHECK_FALSE(req.has_header("X-Gone"));
    CHECK(req.get_header("x-gone") == std::nullopt);
    CHECK(req.get_header_names() == std::vector<std::string>{"x-a", "x-list"});
    CHECK(req.set_header("Bad Name", "v") == error::invalid_http_token);
    CHECK(req.set_header("X-Bad", "a\r\nb") == error::invalid_char);
    CHECK_FALSE(req.headers_sent());

    auto aw19 = co_await req.flush_headers();
    REQUIRE_FALSE(aw19);
    CHECK(req.headers_sent());
    CHECK(req.set_header("X-Late", "1") == error::headers_sent);
    CHECK(req.set_header("X-Late", {"1", "2"}) == error::headers_sent);
    CHECK(req.remove_header("X-A") == error::headers_sent);
    CHECK(req.get_header("x-a") == "2");  // still readable
    auto aw20 = co_await req.flush_headers();
    CHECK_FALSE(aw20);  // a second flush is a no-op

    // The server has the head (its handler runs) while the body has not ended.
    auto aw21 = co_await eventually([&] { return s.heads == 1; });
    CHECK(aw21);
    CHECK(s.seen.empty());
    auto aw22 = co_await req.end("body");
    REQUIRE_FALSE(aw22);
    auto f = co_await collect(req);
    REQUIRE_FALSE(f.ec);
    const auto& r = s.last();
    CHECK(r.header("x-a") == "2");
    CHECK(r.count("x-list") == 2);
    CHECK_FALSE(r.has("x-gone"));
    CHECK_FALSE(r.has("x-late"));
    CHECK(r.header("transfer-encoding") == "chunked");  // the length was unknown at flush time
    CHECK(r.body == "body");
  });
}

TEST_CASE("client_request: body framing (chunked, caller's Content-Length, end(data), none)", "[client]") {
  net::io_context io;
  our_server s(io);
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;

    // write() streams chunked.
    {
      auto req = request(ex, to(s.port, "/chunked", "POST"));
      auto aw23 = co_await req.write("hello ");
      REQUIRE_FALSE(aw23);
      auto aw24 = co_await req.write("");
      REQUIRE_FALSE(aw24);  // an empty write sends no chunk (it would end the body)
      auto aw25 = co_await req.write("world");
      REQUIRE_FALSE(aw25);
      auto aw26 = co_await req.end("!");
      REQUIRE_FALSE(aw26);
      auto aw27 = co_await req.write("late");
      CHECK(aw27 == error::write_after_end);
      auto aw28 = co_await req.end();
      CHECK_FALSE(aw28);  // a second end() is a no-op
      auto f = co_await collect(req);
      REQUIRE_FALSE(f.ec);
      CHECK(f.body == "hello world!");
      CHECK(s.last().header("transfer-encoding") == "chunked");
      CHECK_FALSE(s.last().has("content-length"));
    }
    // The caller's Content-Length disables chunked.
    {
      auto req = request(ex, to(s.port, "/length", "PUT"));
      req.set_header("Content-Length", "11");
      auto aw29 = co_await req.write("hello ");
      REQUIRE_FALSE(aw29);
      auto aw30 = co_await req.end("world");
      REQUIRE_FALSE(aw30);
      auto f = co_await collect(req);
      REQUIRE_FALSE(f.ec);
      CHECK(f.body == "hello world");
      CHECK(s.last().header("content-length") == "11");
      CHECK_FALSE(s.last().has("transfer-encoding"));
    }
    // end(data) alone: Content-Length.
    {
      auto f = co_await fetch(to(s.port, "/end-data", "POST"), "abc");
      REQUIRE_FALSE(f.ec);
      CHECK(s.last().header("content-length") == "3");
      CHECK_FALSE(s.last().has("transfer-encoding"));
      CHECK(s.last().body == "abc");
      auto g = co_await fetch(to(s.port, "/end-empty", "POST"), "");
      CHECK(s.last().header("content-length") == "0");  // Node: POST end() sends Content-Length: 0
    }
    // GET, HEAD, DELETE without a body: no framing field at all.
    for (std::string m : {"GET", "DELETE", "OPTIONS"}) {
      auto f = co_await fetch(to(s.port, "/nobody", m));
      REQUIRE_FALSE(f.ec);
      CHECK_FALSE(s.last().has("content-length"));
      CHECK_FALSE(s.last().has("transfer-encoding"));
    }
    // A body on GET is framed (corohttp's documented difference from Node, which sends it unframed).
    {
      auto f = co_await fetch(to(s.port, "/get-body", "GET"), "q");
      REQUIRE_FALSE(f.ec);
      CHECK(s.last().header("content-length") == "1");
      CHECK(s.last().body == "q");
    }
    // A Transfer-Encoding set with two values, then replaced by "chunked": the framing follows the
    // value on the wire, not a stale second value.
    {
      auto req = request(ex, to(s.port, "/te", "POST"));
      req.set_header("Transfer-Encoding", {"x-custom", "gzip"});
      req.set_header("Transfer-Encoding", "chunked");
      auto aw31 = co_await req.write("te");
      REQUIRE_FALSE(aw31);
      auto aw32 = co_await req.end();
      REQUIRE_FALSE(aw32);
      auto f = co_await collect(req);
      REQUIRE_FALSE(f.ec);
      CHECK(s.last().body == "te");
      CHECK(s.last().header("transfer-encoding") == "chunked");
    }
  });
}

TEST_CASE("client_request: Expect: 100-continue", "[client]") {
  net::io_context io;
  our_server s(io);
  bool continued = false;
  s.srv.on_check_continue([&](incoming_message& req, server_response& res) -> awaitable<void> {
    co_await sleep_for(50ms);
    continued = true;
    co_await res.write_continue();
    co_await s.handle(req, res);
  });
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    auto o = to(s.port, "/continue", "POST");
    o.headers = {{"Expect", "100-continue"}, {"Content-Length", "7"}};
    auto req = request(ex, o);
    auto aw33 = co_await req.wait_continue();
    REQUIRE_FALSE(aw33);
    CHECK(continued);
    CHECK(req.headers_sent());
    CHECK(s.seen.empty());  // no body yet
    auto aw34 = co_await req.end("payload");
    REQUIRE_FALSE(aw34);
    auto f = co_await collect(req);
    REQUIRE_FALSE(f.ec);
    CHECK(f.status == 200);  // the 100 is not the response
    CHECK(f.body == "payload");
    CHECK(s.last().header("expect") == "100-continue");

    // Without a checkContinue handler, corohttp's server answers 100 by itself.
    s.srv.on_check_continue({});
    auto req2 = request(ex, o);
    auto aw35 = co_await req2.wait_continue();
    REQUIRE_FALSE(aw35);
    auto aw36 = co_await req2.end("again!!");
    REQUIRE_FALSE(aw36);
    auto g = co_await collect(req2);
    REQUIRE_FALSE(g.ec);
    CHECK(g.body == "again!!");
  });
}

TEST_CASE("client_request: Expect sends the head at once; a final answer instead of 100", "[client]") {
  net::io_context io;
  our_server s(io);
  int checks = 0;
  bool answer_417 = false;
  s.srv.on_check_continue([&](incoming_message& req, server_response& res) -> awaitable<void> {
    ++checks;
    if (answer_417) {
      res.status_code = 417;
      co_await res.end("no");
      co_return;
    }
    co_await res.write_continue();
    co_await s.handle(req, res);
  });
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    auto o = to(s.port, "/expect", "PUT");
    o.headers = {{"Expect", "100-continue"}, {"Content-Length", "4"}};
    // Nothing is awaited on the request: its head still reaches the server (Node sends the head of
    // a request carrying Expect from its constructor).
    auto req = request(ex, o);
    auto arrived = co_await eventually([&] { return checks == 1; }, 3s);
    CHECK(arrived);
    CHECK(req.headers_sent());
    auto e1 = req.set_header("X-Late", "1");
    CHECK(e1 == error::headers_sent);
    auto c1 = co_await req.wait_continue();
    REQUIRE_FALSE(c1);
    auto w1 = co_await req.end("data");
    REQUIRE_FALSE(w1);
    auto f = co_await collect(req);
    REQUIRE_FALSE(f.ec);
    CHECK(f.body == "data");

    // The server refuses at once: wait_continue() says so, response() has the final answer.
    answer_417 = true;
    auto req2 = request(ex, o);
    auto c2 = co_await req2.wait_continue();
    CHECK(c2 == error::no_continue);
    auto g = co_await collect(req2);
    REQUIRE_FALSE(g.ec);
    CHECK(g.status == 417);
    CHECK(g.body == "no");
  });
}

TEST_CASE("client_request: abort() ends a pending response and closes the socket", "[client]") {
  net::io_context io;
  silent_server s(io);
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    auto req = request(ex, to(s.port, "/abort"));
    bool done = false;
    boost::system::error_code got;
    net::co_spawn(ex, [&]() -> awaitable<void> {
      auto r = co_await req.response();
      got = r.ec;
      done = true;
    }, net::detached);
    auto aw37 = co_await eventually([&] { return s.received.find("\r\n\r\n") != std::string::npos; });
    CHECK(aw37);
    co_await sleep_for(20ms);
    CHECK_FALSE(done);
    req.abort();
    auto aw38 = co_await eventually([&] { return done; });
    CHECK(aw38);
    CHECK(got == error::aborted);
    auto aw39 = co_await eventually([&] { return s.closed_by_client == 1; });
    CHECK(aw39);
    auto aw40 = co_await req.response();
    CHECK(aw40.ec == error::aborted);
    auto aw41 = co_await req.write("x");
    CHECK(aw41);
    req.abort();  // twice is fine

    // Aborted before it has a socket.
    auto early = request(ex, to(s.port, "/early"));
    early.abort();
    auto aw42 = co_await early.response();
    CHECK(aw42.ec == error::aborted);
    auto aw43 = co_await early.wait_socket();
    CHECK(aw43);

    // An aborted request's socket does not count against the agent.
    co_await sleep_for(50ms);
    CHECK(count_of(global_agent(ex).sockets(), agent_name(s.port)) == 0);
  });
}

// Makes every response of `s` send `first_part` and then stall for longer than any test waits.
awaitable<void> stalled_response(server_response& res, std::string first_part) {
  co_await res.write(first_part);
  co_await sleep_for(5s);
  co_await res.end();
}
void stall_after(our_server& s, std::string first_part) {
  s.srv.on_request([first_part](incoming_message&, server_response& res) { return stalled_response(res, first_part); });
}

TEST_CASE("client_request: abort() while the body is being read", "[client]") {
  net::io_context io;
  our_server s(io);
  stall_after(s, "first part");
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    auto req = request(ex, to(s.port, "/slow-body"));
    auto res = co_await req.response();
    REQUIRE(res);
    auto first = co_await res->read();
    REQUIRE(first);
    CHECK(*first == "first part");
    bool done = false;
    boost::system::error_code got;
    net::co_spawn(ex, [&]() -> awaitable<void> {
      std::string rest;
      got = co_await res->read_all(rest);
      done = true;
    }, net::detached);
    co_await sleep_for(30ms);
    req.abort();
    auto aw44 = co_await eventually([&] { return done; });
    CHECK(aw44);
    CHECK(got == error::aborted);
    CHECK(res->aborted());
    CHECK_FALSE(res->complete());
  }, 4s);
}

TEST_CASE("client_request: the timeout also bounds a body that stops coming", "[client]") {
  net::io_context io;
  our_server s(io);
  stall_after(s, "some");
  run(io, [&]() -> awaitable<void> {
    auto o = to(s.port, "/stalls");
    o.timeout = 200ms;
    auto t0 = std::chrono::steady_clock::now();
    auto f = co_await fetch(o);
    REQUIRE_FALSE(f.ec);
    CHECK(f.status == 200);
    CHECK(f.body == "some");
    CHECK(f.body_ec == error::socket_timeout);
    CHECK_FALSE(f.complete);
    CHECK(std::chrono::steady_clock::now() - t0 < 3s);
  }, 4s);
}

TEST_CASE("response.set_timeout(ms, callback): the callback is called when the body stalls (message.setTimeout)", "[client]") {
  net::io_context io;
  our_server s(io);
  stall_after(s, "some");
  int called = 0;
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    auto req = request(ex, to(s.port, "/stalls"));
    auto e = co_await req.end();
    REQUIRE_FALSE(e);
    auto res = co_await req.response();
    REQUIRE(res);
    const auto t0 = std::chrono::steady_clock::now();
    res->set_timeout(200ms, [&] { ++called; });
    std::string body;
    for (int i = 0; i < 10; ++i) {
      auto chunk = co_await res->read();
      if (!chunk) break;
      body += *chunk;
    }
    CHECK(body == "some");
    CHECK(res->error() == error::socket_timeout);
    CHECK(called == 1);
    CHECK(std::chrono::steady_clock::now() - t0 < 3s);
  }, 4s);
}

TEST_CASE("client_request: a response not read to its end does not go back to the pool", "[client]") {
  net::io_context io;
  our_server s(io);
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    agent a(io, keep_alive_options());
    auto o = to(s.port, "/unread", "POST");
    o.agent = &a;
    {
      auto req = request(ex, o);
      auto e = co_await req.end(std::string(100000, 'x'));
      REQUIRE_FALSE(e);
      auto res = co_await req.response();
      REQUIRE(res);
      auto first = co_await res->read();
      REQUIRE(first);
      CHECK(first->size() < 100000);
    }  // the request goes, its body half read
    CHECK(a.sockets().empty());
    CHECK(a.free_sockets().empty());
    auto f = co_await fetch(o, "next");
    REQUIRE_FALSE(f.ec);
    CHECK(f.body == "next");
    CHECK_FALSE(f.reused);
    CHECK(s.connections == 2);
  });
}

TEST_CASE("client_request: socket settings and the socket event", "[client]") {
  net::io_context io;
  our_server s(io);
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    auto req = request(ex, to(s.port, "/socket"));
    req.set_no_delay(false);
    req.set_socket_keep_alive(true, 2000ms);
    auto aw45 = co_await req.wait_socket();
    REQUIRE_FALSE(aw45);
    req.set_no_delay(true);
    req.set_socket_keep_alive(true, 1000ms);
    req.set_timeout(5s);
    auto res = co_await req.response();
    REQUIRE(res);
    int on = 0;
    socklen_t len = sizeof on;
    REQUIRE(::getsockopt(res->socket().native_handle(), SOL_SOCKET, SO_KEEPALIVE, &on, &len) == 0);
    CHECK(on != 0);
    std::string body;
    auto aw46 = co_await res->read_all(body);
    CHECK_FALSE(aw46);
    CHECK(body == "ok");
  });
}

// =================================================================================================
// Responses
// =================================================================================================

TEST_CASE("responses from Node's http server: head, headers, body, keep-alive", "[client]") {
  node_peer p("echo");
  NEED_NODE(p);
  net::io_context io;
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    auto o = to(p.port(), "/node?x=1", "PUT");
    o.headers = {{"X-Multi", "a"}, {"X-Multi", "b"}, {"Content-Type", "text/plain"}};
    o.auth = "u:p";
    auto f = co_await fetch(o, "payload");
    REQUIRE_FALSE(f.ec);
    CHECK(f.status == 200);
    CHECK(f.reason == "OK");
    CHECK(f.version == "1.1");
    CHECK(f.header("content-type") == "application/json");
    CHECK(f.header("connection") == "keep-alive");
    CHECK(f.header("keep-alive") == "timeout=5");
    CHECK(f.header("content-length") == std::to_string(f.body.size()));
    CHECK(f.has("date"));
    REQUIRE(f.raw_headers.size() % 2 == 0);
    CHECK(f.raw_headers.size() == 2 * f.headers.size());
    CHECK(f.raw_headers[0] == "Content-Type");  // as sent, in order
    CHECK_FALSE(f.body_ec);
    CHECK(f.complete);
    INFO(f.body);
    CHECK(f.body.find("\"method\":\"PUT\"") != std::string::npos);
    CHECK(f.body.find("\"url\":\"/node?x=1\"") != std::string::npos);
    CHECK(f.body.find("\"x-multi\":\"a, b\"") != std::string::npos);
    CHECK(f.body.find("\"authorization\":\"Basic dTpw\"") != std::string::npos);
    CHECK(f.body.find("\"content-length\":\"7\"") != std::string::npos);
    CHECK(f.body.find("\"host\":\"127.0.0.1:" + std::to_string(p.port()) + "\"") != std::string::npos);
    CHECK(f.body.find("\"bodyBase64\":\"cGF5bG9hZA==\"") != std::string::npos);
    CHECK(f.body.find("\"connection\":1") != std::string::npos);

    // The global agent reuses the socket; a streamed body reaches Node chunked.
    auto req = request(ex, to(p.port(), "/stream", "POST"));
    auto aw47 = co_await req.write("hello ");
    REQUIRE_FALSE(aw47);
    auto aw48 = co_await req.end("world");
    REQUIRE_FALSE(aw48);
    auto g = co_await collect(req);
    REQUIRE_FALSE(g.ec);
    CHECK(g.reused);
    INFO(g.body);
    CHECK(g.body.find("\"transfer-encoding\":\"chunked\"") != std::string::npos);
    CHECK(g.body.find("\"bodyBase64\":\"aGVsbG8gd29ybGQ=\"") != std::string::npos);
    CHECK(g.body.find("\"connection\":1") != std::string::npos);

    // request(url) to Node, HEAD: no body though Content-Length says one.
    request_options head_only;
    head_only.method = "HEAD";
    auto h = request(ex, "http://127.0.0.1:" + std::to_string(p.port()) + "/head", head_only);
    auto hf = co_await collect(h);
    REQUIRE_FALSE(hf.ec);
    CHECK(hf.status == 200);
    CHECK(hf.body.empty());
    CHECK(hf.complete);
    CHECK(hf.reused);
  });
}

TEST_CASE("responses: chunked with trailers, read() chunk by chunk", "[client]") {
  node_peer p("raw");
  NEED_NODE(p);
  net::io_context io;
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    auto req = request(ex, to(p.port(), "/chunked-trailers"));
    auto res = co_await req.response();
    REQUIRE(res);
    CHECK(res->status_code() == 200);
    CHECK(res->headers().get("transfer-encoding") == "chunked");
    CHECK(res->trailers().empty());  // not yet
    std::vector<std::string> chunks;
    while (auto c = co_await res->read()) chunks.emplace_back(*c);
    CHECK_FALSE(res->error());
    CHECK(res->complete());
    CHECK(chunks.size() >= 2);
    std::string all;
    for (auto& c : chunks) all += c;
    CHECK(all == "hello world");
    CHECK(res->trailers().get("x-sum") == "11");
    CHECK(res->trailers().get("x-multi") == "a, b");
    auto rt = res->raw_trailers();
    CHECK(std::vector<std::string>(rt.begin(), rt.end()) ==
          std::vector<std::string>{"X-Sum", "11", "X-Multi", "a", "x-multi", "b"});
    auto aw49 = co_await res->read();
    CHECK_FALSE(aw49);  // stays at the end

    // read_all into a string that has something already; body() throws nothing here.
    auto req2 = request(ex, to(p.port(), "/chunked-trailers"));
    auto res2 = co_await req2.response();
    REQUIRE(res2);
    CHECK(req2.reused_socket());
    std::string out = ">";
    auto aw50 = co_await res2->read_all(out, 5);
    CHECK(aw50 == error::body_too_large);
    CHECK(out == ">hell");
  });
}

TEST_CASE("responses: HEAD, 204, 304, 1.0, close-delimited, 1xx skipped, merged headers", "[client]") {
  node_peer p("raw");
  NEED_NODE(p);
  net::io_context io;
  run(io, [&]() -> awaitable<void> {
    agent a(io, keep_alive_options());
    auto via = [&](std::string path, std::string method = "GET") {
      auto o = to(p.port(), std::move(path), std::move(method));
      o.agent = &a;
      return o;
    };

    auto head = co_await fetch(via("/head-cl", "HEAD"));
    REQUIRE_FALSE(head.ec);
    CHECK(head.status == 200);
    CHECK(head.header("content-length") == "1234");
    CHECK(head.body.empty());
    CHECK(head.complete);

    auto nc = co_await fetch(via("/204"));
    REQUIRE_FALSE(nc.ec);
    CHECK(nc.status == 204);
    CHECK(nc.reason == "No Content");
    CHECK(nc.body.empty());
    CHECK(nc.reused);  // the HEAD response left the connection in sync

    auto nm = co_await fetch(via("/304"));
    REQUIRE_FALSE(nm.ec);
    CHECK(nm.status == 304);
    CHECK(nm.header("content-length") == "5");
    CHECK(nm.body.empty());
    CHECK(nm.reused);

    auto hints = co_await fetch(via("/103"));
    REQUIRE_FALSE(hints.ec);
    CHECK(hints.status == 200);
    CHECK(hints.body == "final");
    CHECK(hints.header("x-final") == "yes");
    CHECK_FALSE(hints.has("link"));  // the 103's fields are not the response's
    CHECK(hints.reused);

    auto cont = co_await fetch(via("/100-then-200"));
    REQUIRE_FALSE(cont.ec);
    CHECK(cont.status == 200);
    CHECK(cont.body == "ok");

    auto merged = co_await fetch(via("/merge"));
    REQUIRE_FALSE(merged.ec);
    CHECK(merged.header("content-type") == "text/plain");  // a duplicate of this kind is dropped
    auto* cookies = merged.headers.find("set-cookie");
    REQUIRE(cookies);
    CHECK(cookies->is_array);
    CHECK(cookies->values == std::vector<std::string>{"a=1", "b=2"});
    CHECK(merged.header("cookie") == "x=1; y=2");
    CHECK(merged.header("x-multi") == "1, 2");
    CHECK(merged.raw_headers.size() == 18);

    auto old = co_await fetch(via("/http10"));
    REQUIRE_FALSE(old.ec);
    CHECK(old.version == "1.0");
    CHECK(old.body == "old");

    auto cd = co_await fetch(via("/close-delimited"));
    REQUIRE_FALSE(cd.ec);
    CHECK_FALSE(cd.body_ec);
    CHECK(cd.body == "the body ends when the connection does");
    CHECK(cd.complete);
    CHECK_FALSE(cd.has("content-length"));

    auto tr = co_await fetch(via("/truncated"));
    REQUIRE_FALSE(tr.ec);
    CHECK(tr.body_ec);  // the connection closed 86 bytes early
    CHECK(tr.body == "only this much");
    CHECK_FALSE(tr.complete);

    co_await sleep_for(50ms);
    CHECK(count_of(a.sockets(), agent_name(p.port())) == 0);
  });
}

TEST_CASE("responses: malformed ones are errors", "[client]") {
  node_peer p("raw");
  NEED_NODE(p);
  net::io_context io;
  run(io, [&]() -> awaitable<void> {
    struct bad_case {
      std::string path;
      error head_error;  // from response(), or ok when the head is fine and the body fails
      error body_error;
    };
    for (auto& c : std::vector<bad_case>{
             {"/bad-status", error::invalid_status, error::ok},
             {"/cl-te", error::unexpected_content_length, error::ok},
             {"/dup-cl", error::invalid_content_length, error::ok},
             {"/nul", error::invalid_header_token, error::ok},
             {"/overflow", error::header_overflow, error::ok},
             {"/bad-chunk", error::ok, error::invalid_chunk_size}}) {
      INFO(c.path);
      auto o = to(p.port(), c.path);
      o.no_agent = true;
      auto f = co_await fetch(o);
      if (c.head_error != error::ok) {
        CHECK(f.ec == c.head_error);
      } else {
        REQUIRE_FALSE(f.ec);
        CHECK(f.status == 200);
        CHECK(f.body_ec == c.body_error);
        CHECK(f.body == "hello");
        CHECK_FALSE(f.complete);
      }
    }
    // A smaller max_header_size applies to the response head.
    auto o = to(p.port(), "/merge");
    o.max_header_size = 64;
    o.no_agent = true;
    auto aw51 = co_await fetch(o);
    CHECK(aw51.ec == error::header_overflow);
  });
}

// =================================================================================================
// Upgrade and CONNECT
// =================================================================================================

namespace {
/// Echoes what it reads, upper-cased, until the peer closes.
awaitable<void> shout_back(stream_socket& sock) {
  char buf[1024];
  for (;;) {
    auto [ec, n] = co_await sock.async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
    if (ec) co_return;
    for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(buf[i])));
    auto [wec, w] = co_await net::async_write(sock, net::buffer(buf, n), net::as_tuple(net::use_awaitable));
    if (wec) co_return;
  }
}

awaitable<std::string> exchange_bytes(stream_socket& sock, std::string_view out, std::size_t want) {
  auto [wec, w] = co_await net::async_write(sock, net::buffer(out), net::as_tuple(net::use_awaitable));
  if (wec) co_return "<write: " + wec.message() + ">";
  std::string in(want, '\0');
  auto [rec, r] = co_await net::async_read(sock, net::buffer(in), net::as_tuple(net::use_awaitable));
  if (rec) co_return "<read: " + rec.message() + ">";
  co_return in;
}
}  // namespace

TEST_CASE("upgrade(): the 101 response, the socket and the head bytes", "[client]") {
  net::io_context io;
  our_server s(io);
  std::string upgrade_header;
  s.srv.on_upgrade([&](incoming_message& req, stream_socket& sock, std::string_view) -> awaitable<void> {
    upgrade_header = std::string(req.headers().get("upgrade").value_or(""));
    std::string_view answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: shout\r\nConnection: Upgrade\r\n\r\nHELLO";
    co_await net::async_write(sock, net::buffer(answer), net::as_tuple(net::use_awaitable));
    co_await shout_back(sock);
  });
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    auto o = to(s.port, "/ws");
    o.headers = {{"Connection", "Upgrade"}, {"Upgrade", "shout"}};
    auto req = request(ex, o);
    auto u = co_await req.upgrade();
    REQUIRE_FALSE(u.ec);
    REQUIRE(u.response);
    CHECK(u.response->status_code() == 101);
    CHECK(u.response->headers().get("upgrade") == "shout");
    CHECK(u.head == "HELLO");
    CHECK(upgrade_header == "shout");
    REQUIRE(u.socket);
    auto aw52 = co_await exchange_bytes(*u.socket, "ping", 4);
    CHECK(aw52 == "PING");
    auto aw53 = co_await exchange_bytes(*u.socket, "over the same socket", 20);
    CHECK(aw53 == "OVER THE SAME SOCKET");
    // The socket is the caller's: the agent no longer counts it.
    CHECK(count_of(global_agent(ex).sockets(), agent_name(s.port)) == 0);
    CHECK(count_of(global_agent(ex).free_sockets(), agent_name(s.port)) == 0);
    u.socket->close();

    // A server that answers without switching: upgrade() says so, the response is still there.
    s.srv.on_upgrade({});
    auto req2 = request(ex, o);
    auto v = co_await req2.upgrade();
    CHECK(v.ec);
    REQUIRE(v.response);
    CHECK(v.response->status_code() == 200);
    CHECK_FALSE(v.socket);
  });
}

TEST_CASE("connect(): a CONNECT tunnel", "[client]") {
  net::io_context io;
  our_server s(io);
  std::string target;
  s.srv.on_connect([&](incoming_message& req, stream_socket& sock, std::string_view head) -> awaitable<void> {
    target = std::string(req.url());
    std::string answer = "HTTP/1.1 200 Connection Established\r\nProxy-agent: corohttp-test\r\n\r\n";
    answer += head;  // bytes the client sent early come straight back, upper-cased below
    co_await net::async_write(sock, net::buffer(answer), net::as_tuple(net::use_awaitable));
    co_await shout_back(sock);
  });
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    auto req = request(ex, to(s.port, "example.test:443", "CONNECT"));
    REQUIRE_FALSE(req.error());
    auto c = co_await req.connect();
    REQUIRE_FALSE(c.ec);
    REQUIRE(c.response);
    CHECK(c.response->status_code() == 200);
    CHECK(c.response->status_message() == "Connection Established");
    CHECK(c.response->headers().get("proxy-agent") == "corohttp-test");
    CHECK(c.head.empty());
    CHECK(target == "example.test:443");
    REQUIRE(c.socket);
    auto aw54 = co_await exchange_bytes(*c.socket, "tunnelled bytes", 15);
    CHECK(aw54 == "TUNNELLED BYTES");
  });
}

// =================================================================================================
// Agents
// =================================================================================================

TEST_CASE("agent: keep-alive reuses one socket for sequential requests", "[client]") {
  net::io_context io;
  our_server s(io);
  run(io, [&]() -> awaitable<void> {
    agent a(io, keep_alive_options());
    auto o = to(s.port, "/seq");
    o.agent = &a;
    const std::string name = agent_name(s.port);
    for (int i = 0; i < 5; ++i) {
      auto ex = co_await net::this_coro::executor;
      auto req = request(ex, o);
      auto aw55 = co_await req.wait_socket();
      REQUIRE_FALSE(aw55);
      CHECK(count_of(a.sockets(), name) == 1);
      CHECK(count_of(a.free_sockets(), name) == 0);
      auto f = co_await collect(req);
      REQUIRE_FALSE(f.ec);
      CHECK(f.reused == (i > 0));
      CHECK(count_of(a.sockets(), name) == 0);
      CHECK(count_of(a.free_sockets(), name) == 1);
    }
    CHECK(s.connections == 1);
    CHECK(s.seen.size() == 5);

    // Without keep_alive, every request has a socket of its own, closed after it.
    agent plain(io);
    o.agent = &plain;
    for (int i = 0; i < 3; ++i) {
      auto f = co_await fetch(o);
      REQUIRE_FALSE(f.ec);
      CHECK_FALSE(f.reused);
      CHECK(s.last().header("connection") == "close");
    }
    CHECK(s.connections == 4);
    CHECK(plain.free_sockets().empty());
  });
}

TEST_CASE("agent: keep_alive_msecs is the TCP keep-alive delay of a keep-alive agent's sockets", "[client]") {
  // Node: socket.setKeepAlive(true, keepAliveMsecs). The kernel's default delay is 7200 s, so the
  // delays read back below come from the agent.
  struct sockopts {
    int keep_alive = -1, idle = -1;
  };
  auto read_back = [](stream_socket& s) {
    sockopts o;
    socklen_t len = sizeof o.keep_alive;
    if (::getsockopt(s.native_handle(), SOL_SOCKET, SO_KEEPALIVE, &o.keep_alive, &len) != 0) o.keep_alive = -2;
    len = sizeof o.idle;
    if (::getsockopt(s.native_handle(), IPPROTO_TCP, TCP_KEEPIDLE, &o.idle, &len) != 0) o.idle = -2;
    return o;
  };
  net::io_context io;
  our_server s(io);
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    auto o = to(s.port, "/keepalive-msecs");
    // keep_alive_msecs -> TCP_KEEPIDLE: whole seconds, at least 1; SO_KEEPALIVE on. Without
    // keep_alive the agent leaves the socket's keep-alive alone (off), whatever the delay.
    struct expect {
      bool keep_alive;
      std::chrono::milliseconds msecs;
      int idle;  // -1: anything but the delay's seconds
    };
    const std::vector<expect> cases = {{true, 7000ms, 7}, {true, 2500ms, 2}, {true, 300ms, 1}, {true, 1000ms, 1},
                                       {false, 3000ms, -1}};
    for (const auto& c : cases) {
      agent_options ao = keep_alive_options();
      ao.keep_alive = c.keep_alive;
      ao.keep_alive_msecs = c.msecs;
      agent a(io, ao);
      o.agent = &a;
      auto req = request(ex, o);
      auto sec = co_await req.wait_socket();
      REQUIRE_FALSE(sec);
      auto got = read_back(req.socket());
      INFO("keep_alive " << c.keep_alive << ", keep_alive_msecs " << c.msecs.count());
      CHECK(got.keep_alive == (c.keep_alive ? 1 : 0));
      if (c.idle >= 0) {
        CHECK(got.idle == c.idle);
      } else {
        CHECK(got.idle != c.msecs.count() / 1000);
      }
      auto f = co_await collect(req);
      CHECK_FALSE(f.ec);
      a.destroy();
    }
  });
}

TEST_CASE("agent: max_sockets queues requests, all complete, never more connections", "[client]") {
  net::io_context io;
  our_server s(io);
  s.delay = 150ms;
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    agent a(io, keep_alive_options(2));
    const std::string name = agent_name(s.port);
    int done = 0;
    std::vector<fetched> results(6);
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 6; ++i) {
      net::co_spawn(ex, [&, i]() -> awaitable<void> {
        auto o = to(s.port, "/q" + std::to_string(i), "POST");
        o.agent = &a;
        results[i] = co_await fetch(o, "body " + std::to_string(i));
        ++done;
      }, net::detached);
    }
    co_await sleep_for(60ms);
    CHECK(count_of(a.sockets(), name) == 2);
    CHECK(count_of(a.requests(), name) == 4);
    auto aw56 = co_await eventually([&] { return done == 6; }, 5s);
    CHECK(aw56);
    auto took = std::chrono::steady_clock::now() - t0;
    for (int i = 0; i < 6; ++i) {
      CHECK_FALSE(results[i].ec);
      CHECK(results[i].body == "body " + std::to_string(i));
    }
    CHECK(s.connections == 2);
    CHECK(s.max_active <= 2);
    CHECK(a.requests().empty());
    CHECK(a.sockets().empty());
    CHECK(count_of(a.free_sockets(), name) == 2);
    // Three waves of two (150 ms each, 450 ms): both freed sockets serve the queue at once (when
    // only one queued request were woken per pair of freed sockets, it would take 750 ms).
    CHECK(took < 650ms);
  });
}

TEST_CASE("agent: without keep_alive, a socket limit still hands sockets to queued requests", "[client]") {
  net::io_context io;
  our_server s(io);
  s.delay = 30ms;
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    agent_options ao;
    ao.keep_alive = false;
    ao.max_sockets = 1;
    agent a(io, ao);
    const std::string name = agent_name(s.port);
    int done = 0;
    std::vector<fetched> results(3);
    for (int i = 0; i < 3; ++i)
      net::co_spawn(ex, [&, i]() -> awaitable<void> {
        auto o = to(s.port, "/n" + std::to_string(i));
        o.agent = &a;
        results[i] = co_await fetch(o);
        ++done;
      }, net::detached);
    auto all = co_await eventually([&] { return done == 3; }, 5s);
    REQUIRE(all);
    for (auto& r : results) CHECK_FALSE(r.ec);
    // As Node: `Connection: keep-alive` so the queue can use the socket, one connection for all,
    // and nothing kept once the queue is empty.
    REQUIRE(s.seen.size() == 3);
    for (auto& r : s.seen) CHECK(r.header("connection") == "keep-alive");
    CHECK(s.connections == 1);
    CHECK(a.free_sockets().empty());
    CHECK(a.sockets().empty());

    // Without a limit there is nothing to hand over: `Connection: close`, as Node.
    agent_options unlimited;
    agent b(io, unlimited);
    auto o = to(s.port, "/close");
    o.agent = &b;
    auto f = co_await fetch(o);
    REQUIRE_FALSE(f.ec);
    CHECK(s.last().header("connection") == "close");
  });
}

TEST_CASE("agent: a request aborted while queued never takes the socket", "[client]") {
  net::io_context io;
  our_server s(io);
  s.delay = 80ms;
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    agent a(io, keep_alive_options(1));
    const std::string name = agent_name(s.port);
    auto o = to(s.port, "/first");
    o.agent = &a;
    auto first = request(ex, o);
    o.path = "/queued";
    auto queued = request(ex, o);
    co_await sleep_for(20ms);
    CHECK(count_of(a.requests(), name) == 1);
    queued.abort();
    auto r = co_await queued.response();
    CHECK(r.ec == error::aborted);
    auto f = co_await collect(first);
    REQUIRE_FALSE(f.ec);
    // The aborted request leaves the queue (as in Node, once a socket frees up) without keeping
    // the socket: it is free, and the next request reuses it.
    auto freed = co_await eventually(
        [&] { return a.requests().empty() && count_of(a.free_sockets(), name) == 1 && a.sockets().empty(); }, 2s);
    CHECK(freed);
    o.path = "/third";
    auto third = request(ex, o);
    auto t = co_await collect(third);
    REQUIRE_FALSE(t.ec);
    CHECK(t.reused);
    CHECK(s.connections == 1);
    REQUIRE(s.seen.size() == 2);
    CHECK(s.seen[0].url == "/first");
    CHECK(s.seen[1].url == "/third");
  });
}

TEST_CASE("agent: sockets freed at the same moment serve as many queued requests", "[client]") {
  net::io_context io;
  silent_server s(io);
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    agent a(io, keep_alive_options(2));
    const std::string name = agent_name(s.port);
    std::vector<client_request> reqs;
    for (int i = 0; i < 4; ++i) {
      auto o = to(s.port, "/held" + std::to_string(i));
      o.agent = &a;
      reqs.push_back(request(ex, o));
    }
    int assigned = 0;
    for (int i = 2; i < 4; ++i)
      net::co_spawn(ex, [&, i]() -> awaitable<void> {
        auto ec = co_await reqs[i].wait_socket();
        if (!ec) ++assigned;
      }, net::detached);
    auto two = co_await eventually([&] { return s.accepted == 2; });
    REQUIRE(two);
    CHECK(count_of(a.requests(), name) == 2);
    // Both sockets go away in one step (two aborts, or two responses read in one go).
    reqs[0].abort();
    reqs[1].abort();
    auto both = co_await eventually([&] { return assigned == 2; }, 2s);
    CHECK(both);
    CHECK(s.accepted == 4);
    CHECK(a.requests().empty());
    reqs[2].abort();
    reqs[3].abort();
  });
}

TEST_CASE("agent: max_free_sockets, get_name, sockets/free_sockets, destroy", "[client]") {
  net::io_context io;
  our_server s(io);
  s.delay = 50ms;
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    agent a(io, keep_alive_options(SIZE_MAX, 1));
    const std::string name = agent_name(s.port);
    CHECK(agent::get_name(to(s.port)) == name);
    request_options n;
    n.host = "example.test";
    n.port = 8080;
    n.local_address = "127.0.0.1";
    CHECK(agent::get_name(n) == "example.test:8080:127.0.0.1");
    n.hostname = "other.test";  // hostname is what is connected to
    n.family = 6;
    CHECK(agent::get_name(n) == "other.test:8080:127.0.0.1:6");

    int done = 0;
    for (int i = 0; i < 3; ++i) {
      net::co_spawn(ex, [&]() -> awaitable<void> {
        auto o = to(s.port, "/free");
        o.agent = &a;
        auto f = co_await fetch(o);
        CHECK_FALSE(f.ec);
        ++done;
      }, net::detached);
    }
    co_await sleep_for(20ms);
    CHECK(count_of(a.sockets(), name) == 3);
    auto aw57 = co_await eventually([&] { return done == 3; });
    CHECK(aw57);
    CHECK(a.sockets().empty());
    CHECK(count_of(a.free_sockets(), name) == 1);  // the other two were closed
    auto aw58 = co_await eventually([&] { return s.srv.connections() == 1; });
    CHECK(aw58);

    a.destroy();
    CHECK(a.free_sockets().empty());
    auto aw59 = co_await eventually([&] { return s.srv.connections() == 0; });
    CHECK(aw59);  // closed for real
    auto o = to(s.port, "/after-destroy");
    o.agent = &a;
    auto aw60 = co_await fetch(o);
    CHECK(aw60.ec == error::agent_destroyed);
  });
}

TEST_CASE("agent: a free socket the server closed is not reused", "[client]") {
  net::io_context io;
  our_server s(io);
  run(io, [&]() -> awaitable<void> {
    agent a(io, keep_alive_options());
    auto o = to(s.port, "/closed-by-server");
    o.agent = &a;
    auto aw61 = co_await fetch(o);
    REQUIRE_FALSE(aw61.ec);
    CHECK(count_of(a.free_sockets(), agent_name(s.port)) == 1);
    s.srv.close_idle_connections();
    auto aw62 = co_await eventually([&] { return s.srv.connections() == 0; });
    CHECK(aw62);
    co_await sleep_for(20ms);
    auto f = co_await fetch(o);
    REQUIRE_FALSE(f.ec);
    CHECK(f.status == 200);
    CHECK_FALSE(f.reused);
    s.srv.close_idle_connections();
    auto aw63 = co_await eventually([&] { return s.srv.connections() == 0; });
    CHECK(aw63);
    o.method = "POST";  // not idempotent: the fresh socket is chosen before anything is sent
    auto g = co_await fetch(o, "post body");
    REQUIRE_FALSE(g.ec);
    CHECK_FALSE(g.reused);
    CHECK(g.body == "post body");
    CHECK(s.connections == 3);
  });
}

// The stale keep-alive race. Two variants, against the raw peer:
//  - keepalive-then-close: the server closes the idle connection ~10 ms after answering; by the next
//    request the close has arrived, so the agent sees it and picks a fresh socket (for any method);
//  - drop-next: the server closes the connection the moment the next request arrives, without an
//    answer (the close crossing the request, made deterministic). An idempotent request is sent
//    again, once, on a fresh socket; a POST is not: it fails with "socket hang up" (ECONNRESET),
//    as Node's does, and the server saw it once.
TEST_CASE("agent: the stale keep-alive race", "[client]") {
  node_peer p("raw");
  NEED_NODE(p);
  net::io_context io;
  run(io, [&]() -> awaitable<void> {
    agent a(io, keep_alive_options());
    auto via = [&](std::string path, std::string method = "GET") {
      auto o = to(p.port(), std::move(path), std::move(method));
      o.agent = &a;
      return o;
    };
    // Closed a moment after the answer: detected before reuse.
    auto first = co_await fetch(via("/keepalive-then-close"));
    REQUIRE_FALSE(first.ec);
    CHECK(first.body == "first");
    co_await sleep_for(200ms);
    auto get = co_await fetch(via("/204"));
    REQUIRE_FALSE(get.ec);
    CHECK(get.status == 204);
    CHECK_FALSE(get.reused);
    auto aw64 = co_await fetch(via("/keepalive-then-close"));
    REQUIRE_FALSE(aw64.ec);
    co_await sleep_for(200ms);
    auto post = co_await fetch(via("/204", "POST"), "data");
    REQUIRE_FALSE(post.ec);
    CHECK(post.status == 204);
    CHECK_FALSE(post.reused);
    auto st = co_await stats_of(p.port());
    CHECK(st.requests["GET /204"] == 1);
    CHECK(st.requests["POST /204"] == 1);

    // Closed as the next request arrives: GET is retried once on a fresh socket.
    auto aw65 = co_await fetch(via("/drop-next"));
    REQUIRE_FALSE(aw65.ec);
    auto retried = co_await fetch(via("/204"));
    REQUIRE_FALSE(retried.ec);
    CHECK(retried.status == 204);
    st = co_await stats_of(p.port());
    CHECK(st.requests["GET /204"] == 3);  // the dropped one and its retry

    // ... and so is a PUT with a body (idempotent, whole body known).
    auto aw66 = co_await fetch(via("/drop-next"));
    REQUIRE_FALSE(aw66.ec);
    auto put = co_await fetch(via("/204", "PUT"), "idempotent");
    REQUIRE_FALSE(put.ec);
    CHECK(put.status == 204);
    st = co_await stats_of(p.port());
    CHECK(st.requests["PUT /204"] == 2);

    // POST is not retried: it fails, and the server saw it once.
    auto aw67 = co_await fetch(via("/drop-next"));
    REQUIRE_FALSE(aw67.ec);
    auto lost = co_await fetch(via("/204", "POST"), "once only");
    CHECK(lost.ec == error::socket_hang_up);
    st = co_await stats_of(p.port());
    CHECK(st.requests["POST /204"] == 2);  // the one above, and this one once

    // The agent is fine afterwards.
    auto after = co_await fetch(via("/204"));
    REQUIRE_FALSE(after.ec);
    CHECK(after.status == 204);
  });
}

// The retry re-sends the head and a body kept whole from end(data). A body streamed with write(),
// or one framed chunked, is not kept: such a request must fail rather than go out again without its
// body (the server would wait for the Content-Length bytes forever) or unframed.
TEST_CASE("agent: a body that was not kept is never re-sent half", "[client]") {
  node_peer p("raw");
  NEED_NODE(p);
  net::io_context io;
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    agent a(io, keep_alive_options());
    auto via = [&](std::string path, std::string method = "GET") {
      auto o = to(p.port(), std::move(path), std::move(method));
      o.agent = &a;
      o.timeout = 3s;  // a request re-sent without its body would wait for an answer forever
      return o;
    };
    auto d1 = co_await fetch(via("/drop-next"));
    REQUIRE_FALSE(d1.ec);
    {
      auto req = request(ex, via("/204", "PUT"));
      req.set_header("Content-Length", "11");
      auto w = co_await req.write("hello ");
      CHECK_FALSE(w);
      auto e = co_await req.end("world");
      CHECK_FALSE(e);
      auto f = co_await collect(req);
      CHECK(f.ec == error::socket_hang_up);
    }
    auto d2 = co_await fetch(via("/drop-next"));
    REQUIRE_FALSE(d2.ec);
    {
      auto req = request(ex, via("/204", "PUT"));
      req.set_header("Transfer-Encoding", "chunked");
      auto e = co_await req.end("framed");
      CHECK_FALSE(e);
      auto f = co_await collect(req);
      CHECK(f.ec == error::socket_hang_up);
    }
    auto st = co_await stats_of(p.port());
    CHECK(st.requests["PUT /204"] == 2);  // each once, on the connection that was dropped
    auto after = co_await fetch(via("/204"));
    REQUIRE_FALSE(after.ec);
    CHECK(after.status == 204);
  });
}

TEST_CASE("agent: Keep-Alive: timeout=N from the server is honoured", "[client]") {
  node_peer p("raw");
  NEED_NODE(p);
  net::io_context io;
  run(io, [&]() -> awaitable<void> {
    agent a(io, keep_alive_options());
    auto via = [&](std::string path) {
      auto o = to(p.port(), std::move(path));
      o.agent = &a;
      return o;
    };
    // timeout=3: a socket is retired a second early, at 2 s; reused at once, and after 1.5 s.
    auto aw68 = co_await fetch(via("/ka-hint?t=3"));
    REQUIRE_FALSE(aw68.ec);
    auto soon = co_await fetch(via("/ka-hint?t=3"));
    CHECK(soon.reused);
    co_await sleep_for(1500ms);
    auto later = co_await fetch(via("/ka-hint?t=3"));
    CHECK(later.reused);

    // timeout=1: after 1.5 s idle the socket must not be reused (Node keeps none at all for 1 s).
    auto aw69 = co_await fetch(via("/ka-hint?t=1"));
    REQUIRE_FALSE(aw69.ec);
    co_await sleep_for(1500ms);
    auto f = co_await fetch(via("/204"));
    REQUIRE_FALSE(f.ec);
    CHECK_FALSE(f.reused);

    // timeout=2: reusable for one second only.
    auto aw70 = co_await fetch(via("/ka-hint?t=2"));
    REQUIRE_FALSE(aw70.ec);
    co_await sleep_for(1500ms);
    auto g = co_await fetch(via("/204"));
    REQUIRE_FALSE(g.ec);
    CHECK_FALSE(g.reused);
    auto st = co_await stats_of(p.port());
    CHECK(st.connections >= 4);
  }, 20s);
}

TEST_CASE("agent: the free-socket timeout closes idle sockets", "[client]") {
  net::io_context io;
  our_server s(io);
  run(io, [&]() -> awaitable<void> {
    agent a(io, keep_alive_options(SIZE_MAX, 256, 200ms));
    auto o = to(s.port, "/idle");
    o.agent = &a;
    auto aw71 = co_await fetch(o);
    REQUIRE_FALSE(aw71.ec);
    CHECK(count_of(a.free_sockets(), agent_name(s.port)) == 1);
    co_await sleep_for(300ms);
    a.prune();
    CHECK(a.free_sockets().empty());
    auto f = co_await fetch(o);
    REQUIRE_FALSE(f.ec);
    CHECK_FALSE(f.reused);
  });
}

// =================================================================================================
// nginx on loopback serving files, through a keep-alive agent
// =================================================================================================

namespace {

/// nginx (master_process off, one worker) serving `www/` of a temporary prefix on a free
/// 127.0.0.1 port; stopped with SIGTERM (then SIGKILL) when the object goes.
class nginx_peer {
 public:
  nginx_peer() {
    if (!test::have_program("nginx") && !std::filesystem::exists("/usr/sbin/nginx")) return;
    const char* exe = std::filesystem::exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
    char tmpl[] = "/tmp/corohttp-nginx-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    dir_ = tmpl;
    std::filesystem::create_directories(dir_ / "www" / "sub");
    for (int attempt = 0; attempt < 5 && pid_ <= 0; ++attempt) {
      port_ = free_port();
      std::FILE* conf = std::fopen((dir_ / "nginx.conf").c_str(), "w");
      REQUIRE(conf);
      std::string d = dir_.string();
      std::fprintf(conf,
                   "daemon off; master_process off; worker_processes 1;\n"
                   "pid %s/nginx.pid; error_log %s/error.log;\n"
                   "events { worker_connections 128; }\n"
                   "http {\n  access_log off; keepalive_timeout 30s; keepalive_requests 1000;\n"
                   "  client_body_temp_path %s/body; proxy_temp_path %s/proxy; fastcgi_temp_path %s/fcgi;\n"
                   "  uwsgi_temp_path %s/uwsgi; scgi_temp_path %s/scgi;\n"
                   "  server { listen 127.0.0.1:%u; root %s/www; }\n}\n",
                   d.c_str(), d.c_str(), d.c_str(), d.c_str(), d.c_str(), d.c_str(), d.c_str(), port_, d.c_str());
      std::fclose(conf);
      std::string c = (dir_ / "nginx.conf").string(), p = d + "/";
      std::vector<std::string> args{exe, "-p", p, "-c", c, "-e", d + "/error.log"};
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      if (::posix_spawnp(&pid_, exe, nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
      if (pid_ > 0 && !wait_listening()) stop();
    }
    REQUIRE(pid_ > 0);
  }
  ~nginx_peer() {
    stop();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  nginx_peer(const nginx_peer&) = delete;

  bool running() const { return pid_ > 0; }
  std::uint16_t port() const { return port_; }
  void file(const std::string& name, const std::string& content) {
    std::FILE* f = std::fopen((dir_ / "www" / name).c_str(), "wb");
    REQUIRE(f);
    std::fwrite(content.data(), 1, content.size(), f);
    std::fclose(f);
  }

 private:
  static std::uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
  }
  bool wait_listening() {
    auto until = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < until) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // exited: the port was taken, say
        pid_ = -1;
        return false;
      }
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(port_);
      bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      ::close(fd);
      if (ok) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    auto until = std::chrono::steady_clock::now() + 3s;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > until) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(10ms);
    }
    pid_ = -1;
  }

  std::filesystem::path dir_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

std::string pseudo_random_bytes(std::size_t n) {
  std::string s(n, '\0');
  std::uint32_t x = 2463534242u;
  for (char& c : s) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return s;
}

}  // namespace

TEST_CASE("nginx serving files: keep-alive reuse, HEAD, 404, 304, Range, large and concurrent bodies",
          "[client][nginx]") {
  nginx_peer ng;
  if (!ng.running()) return test::skip("nginx is not installed: the client is not tried against it");
  const std::string small = "hello from nginx\n";
  const std::string big = pseudo_random_bytes(1024 * 1024 + 17);
  ng.file("small.txt", small);
  ng.file("big.bin", big);
  ng.file("empty.txt", "");
  for (int i = 0; i < 8; ++i) ng.file("sub/f" + std::to_string(i) + ".txt", std::string(1000 + i * 37, char('a' + i)));

  net::io_context io;
  run(io, [&]() -> awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    agent a(io, keep_alive_options(4));
    auto via = [&](std::string path, std::string method = "GET") {
      auto o = to(ng.port(), std::move(path), std::move(method));
      o.agent = &a;
      return o;
    };

    // Sequential requests share one socket; bodies arrive byte for byte.
    auto f1 = co_await fetch(via("/small.txt"));
    REQUIRE_FALSE(f1.ec);
    CHECK(f1.status == 200);
    CHECK(f1.body == small);
    CHECK_FALSE(f1.reused);
    auto f2 = co_await fetch(via("/big.bin"));
    REQUIRE_FALSE(f2.ec);
    CHECK(f2.body.size() == big.size());
    CHECK(f2.body == big);
    CHECK(f2.header("content-length") == std::to_string(big.size()));
    CHECK(f2.reused);
    auto f3 = co_await fetch(via("/empty.txt"));
    REQUIRE_FALSE(f3.ec);
    CHECK(f3.body.empty());
    CHECK(f3.reused);

    // HEAD: the length of the file, no body, and the socket stays usable.
    auto h = co_await fetch(via("/big.bin", "HEAD"));
    REQUIRE_FALSE(h.ec);
    CHECK(h.header("content-length") == std::to_string(big.size()));
    CHECK(h.body.empty());
    CHECK(h.reused);

    // 404 with nginx's HTML body; then a conditional GET answered 304 without a body.
    auto nf = co_await fetch(via("/missing.txt"));
    REQUIRE_FALSE(nf.ec);
    CHECK(nf.status == 404);
    CHECK(nf.body.find("404") != std::string::npos);
    CHECK(nf.reused);
    auto etag = f1.header("etag");
    REQUIRE_FALSE(etag.empty());
    auto cond = via("/small.txt");
    cond.headers = {{"If-None-Match", etag}};
    auto nm = co_await fetch(cond);
    REQUIRE_FALSE(nm.ec);
    CHECK(nm.status == 304);
    CHECK(nm.body.empty());
    CHECK(nm.reused);

    // A byte range of the large file.
    auto ranged = via("/big.bin");
    ranged.headers = {{"Range", "bytes=1000-1999"}};
    auto rg = co_await fetch(ranged);
    REQUIRE_FALSE(rg.ec);
    CHECK(rg.status == 206);
    CHECK(rg.body == big.substr(1000, 1000));
    CHECK(rg.reused);
    CHECK(count_of(a.free_sockets(), agent_name(ng.port())) == 1);

    // The large body read chunk by chunk with read().
    auto req = request(ex, via("/big.bin"));
    auto res = co_await req.response();
    REQUIRE(res);
    std::size_t total = 0, chunks = 0;
    bool same = true;
    for (;;) {
      auto chunk = co_await res->read();
      if (!chunk) break;
      same = same && big.compare(total, chunk->size(), *chunk) == 0;
      total += chunk->size();
      ++chunks;
    }
    CHECK(total == big.size());
    CHECK(same);
    CHECK(chunks > 1);
    CHECK(res->complete());

    // Twelve concurrent requests through four sockets: every body right, never more sockets.
    int done = 0;
    std::vector<fetched> results(12);
    for (int i = 0; i < 12; ++i)
      net::co_spawn(ex, [&, i]() -> awaitable<void> {
        results[i] = co_await fetch(via("/sub/f" + std::to_string(i % 8) + ".txt"));
        ++done;
      }, net::detached);
    auto all = co_await eventually([&] { return done == 12; }, 10s);
    REQUIRE(all);
    for (int i = 0; i < 12; ++i) {
      INFO("request " << i);
      CHECK_FALSE(results[i].ec);
      CHECK(results[i].body == std::string(1000 + (i % 8) * 37, char('a' + i % 8)));
    }
    CHECK(count_of(a.free_sockets(), agent_name(ng.port())) <= 4);
    CHECK(a.sockets().empty());
    a.destroy();
  }, 30s);
}
