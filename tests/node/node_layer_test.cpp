// The Node-style event layer (include/corohttp/node/): the emitter's rules, then servers and clients
// written with events against each other over 127.0.0.1 (port 0), all on node::loop(). Every case
// runs the loop with a time limit (run_loop) and closes what it opened, so the next case starts
// with an empty loop.
#include <corohttp/node/http.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
namespace node = corohttp::node;
using boost::system::error_code;

namespace {

/// Runs the loop until it has no work left, at most `limit`; true when it ran out of work.
bool run_loop(std::chrono::milliseconds limit = 10s) {
  auto& io = node::loop();
  io.restart();
  io.run_for(limit);
  bool idle = io.stopped();
  if (!idle) {  // leave no work behind for the next case
    io.stop();
  }
  return idle;
}

/// Calls f after `ms` on the loop (Node's setTimeout).
template <class F>
void set_timeout(std::chrono::milliseconds ms, F f) {
  auto t = std::make_shared<boost::asio::steady_timer>(node::loop(), ms);
  t->async_wait([t, f](error_code ec) mutable {
    if (!ec) f();
  });
}

std::string url_of(node::server& s, std::string_view path = "/") {
  return "http://127.0.0.1:" + std::to_string(s.address().port) + std::string(path);
}

/// Sends `request` on a raw connection to `server` and collects what comes back in `answer`; when
/// the connection closes, "<label>: client close" goes to `events`, then `on_close` runs.
void raw_client(node::server& server, const std::string& request, std::string& answer, std::vector<std::string>& events,
                std::string label, std::function<void()> on_close) {
  auto s = node::connect(server.address().port, "127.0.0.1");
  s.on("data", [&answer](std::string_view c) { answer += c; });
  s.on("close", [&events, label, on_close] {
    events.push_back(label + ": client close");
    on_close();
  });
  s.write(request);
}

class test_emitter : public node::event_emitter {
 public:
  test_emitter() {
    declare<int, std::string>("typed");
    declare<error_code>("error");
  }
};

}  // namespace

// --- event_emitter -----------------------------------------------------------------------------------

TEST_CASE("emitter: listeners run in order, once runs once, off removes, counts", "[emitter]") {
  test_emitter e;
  std::vector<std::string> calls;
  e.on("x", [&] { calls.push_back("a"); });
  e.once("x", [&] { calls.push_back("once"); });
  auto id = e.add_listener("x", [&] { calls.push_back("b"); });
  e.on("x", [&] { calls.push_back("c"); });
  CHECK(e.listener_count("x") == 4);
  CHECK(e.emit("x"));
  CHECK(calls == std::vector<std::string>{"a", "once", "b", "c"});
  CHECK(e.listener_count("x") == 3);
  CHECK(e.off("x", id));
  CHECK_FALSE(e.off("x", id));
  calls.clear();
  e.emit("x");
  CHECK(calls == std::vector<std::string>{"a", "c"});
  CHECK_FALSE(e.emit("nobody"));
  e.remove_all_listeners("x");
  CHECK(e.listener_count("x") == 0);
}

TEST_CASE("emitter: typed arguments, a listener may take a prefix, a wrong signature is refused", "[emitter]") {
  test_emitter e;
  int got = 0;
  std::string text;
  e.on("typed", [&](int n, const std::string& s) {
    got = n;
    text = s;
  });
  e.on("typed", [&](int n) { got += n; });
  e.on("typed", [&] { ++got; });
  e.emit("typed", 20, std::string("hi"));
  CHECK(got == 41);
  CHECK(text == "hi");
  // A declared event refuses a listener of another signature when it is added, naming both.
  try {
    e.on("typed", [](std::string) {});
    FAIL("on() accepted a listener of the wrong signature");
  } catch (const std::invalid_argument& ex) {
    std::string what = ex.what();
    CHECK(what.find("'typed'") != std::string::npos);
    CHECK(what.find("int") != std::string::npos);
  }
  CHECK_THROWS_AS(e.on("typed", [](int, int) {}), std::invalid_argument);
  // An undeclared event checks at emit time.
  e.on("loose", [](double) {});
  CHECK_THROWS_AS(e.emit("loose", 1), std::invalid_argument);
  CHECK_NOTHROW(e.emit("loose", 1.5));
}

TEST_CASE("emitter: 'error' without a listener throws, with one it is delivered", "[emitter]") {
  test_emitter e;
  auto refused = make_error_code(boost::asio::error::connection_refused);
  CHECK_THROWS_AS(e.emit("error", refused), boost::system::system_error);
  error_code seen;
  e.on("error", [&](error_code ec) { seen = ec; });
  CHECK_NOTHROW(e.emit("error", refused));
  CHECK(seen == refused);
}

TEST_CASE("emitter: listeners added or removed during emit count from the next emit", "[emitter]") {
  test_emitter e;
  int first = 0, added = 0;
  node::listener_id later = 0;
  e.on("x", [&] {
    ++first;
    e.on("x", [&] { ++added; });
    e.off("x", later);
  });
  later = e.add_listener("x", [&] { FAIL("removed during emit, still called"); });
  e.emit("x");
  CHECK(first == 1);
  CHECK(added == 0);
  e.emit("x");
  CHECK(added == 1);
}

// --- server and response ---------------------------------------------------------------------------

TEST_CASE("server: request/response round trip with writeHead, finish, listening and close", "[server]") {
  std::vector<std::string> events;
  int status = 0;
  std::string body, content_type;
  auto server = node::create_server([&](node::incoming_message& req, node::server_response& res) {
    events.push_back("request " + std::string(req.method()) + " " + std::string(req.url()));
    res.on("finish", [&] { events.push_back("finish"); });
    res.write_head(200, {{"Content-Type", "text/plain"}});
    CHECK(res.headers_sent());
    res.end("okay");
    CHECK(res.finished());
  });
  server.on("connection", [&](node::socket&) { events.push_back("connection"); });
  server.listen(0, "127.0.0.1", [&] {
    events.push_back("listening");
    node::get(url_of(server, "/x?y=1"), [&](node::incoming_message& res) {
      status = res.status_code();
      content_type = res.headers().get("content-type").value_or("");
      res.on("data", [&](std::string_view chunk) { body += chunk; });
      res.on("end", [&] {
        events.push_back("end");
        server.close([&] { events.push_back("close"); });
      });
    });
  });
  REQUIRE(run_loop());
  CHECK(status == 200);
  CHECK(content_type == "text/plain");
  CHECK(body == "okay");
  CHECK(events == std::vector<std::string>{"listening", "connection", "request GET /x?y=1", "finish", "end", "close"});
}

TEST_CASE("server: a request body flows to 'data' listeners; pause() holds it until resume()", "[server]") {
  std::string received, answer;
  bool paused_once = false;
  std::vector<std::string> order;
  auto server = node::create_server([&](node::incoming_message& req, node::server_response& res) {
    req.on("data", [&](std::string_view chunk) {
      received += chunk;
      if (!paused_once) {
        paused_once = true;
        req.pause();
        CHECK(req.is_paused());
        order.push_back("paused");
        set_timeout(50ms, [&] {
          order.push_back("resumed");
          req.resume();
        });
      }
    });
    req.on("end", [&] {
      order.push_back("end");
      res.end("got " + std::to_string(received.size()));
    });
  });
  server.listen(0, "127.0.0.1", [&] {
    corohttp::request_options o;
    o.port = server.address().port;
    o.hostname = "127.0.0.1";
    o.method = "POST";
    o.path = "/upload";
    auto req = node::request(o, [&](node::incoming_message& res) {
      res.on("data", [&](std::string_view c) { answer += c; });
      res.on("end", [&] { server.close(); });
    });
    req.write(std::string(1000, 'a'));
    set_timeout(20ms, [req]() mutable {
      req.write(std::string(2000, 'b'));
      req.end("c");
    });
  });
  REQUIRE(run_loop());
  CHECK(received == std::string(1000, 'a') + std::string(2000, 'b') + "c");
  CHECK(answer == "got 3001");
  REQUIRE(order.size() == 3);
  CHECK(order == std::vector<std::string>{"paused", "resumed", "end"});
}

TEST_CASE("server: write() returns false past the high-water mark, then 'drain'; callbacks in order", "[server]") {
  std::vector<std::string> events;
  std::size_t total = 0;
  auto server = node::create_server([&](node::incoming_message&, node::server_response& res) {
    bool first = res.write("small", [&] { events.push_back("flushed small"); });
    bool second = res.write(std::string(node::high_water_mark, 'x'));
    events.push_back(std::string("write ") + (first ? "true" : "false") + " " + (second ? "true" : "false"));
    res.once("drain", [&] {
      events.push_back("drain");
      res.end("tail", [&] { events.push_back("end callback"); });
    });
    res.on("finish", [&] { events.push_back("finish"); });
  });
  server.listen(0, "127.0.0.1", [&] {
    node::get(url_of(server), [&](node::incoming_message& res) {
      res.on("data", [&](std::string_view c) { total += c.size(); });
      res.on("end", [&] { server.close(); });
    });
  });
  REQUIRE(run_loop());
  CHECK(total == 5 + node::high_water_mark + 4);
  CHECK(events == std::vector<std::string>{"write true false", "flushed small", "drain", "finish", "end callback"});
}

TEST_CASE("server: set_encoding decodes the body; trailers arrive at 'end'", "[server]") {
  std::string hex, trailer;
  auto server = node::create_server([&](node::incoming_message&, node::server_response& res) {
    res.write_head(200, {{"Trailer", "Content-MD5"}});
    res.write("AB");
    res.add_trailers({{"Content-MD5", "7895bf4b8828b55ceaf47747b4bca667"}});
    res.end();
  });
  server.listen(0, "127.0.0.1", [&] {
    node::get(url_of(server), [&](node::incoming_message& res) {
      res.set_encoding("hex");
      res.on("data", [&](std::string_view c) { hex += c; });
      res.on("end", [&] {
        trailer = res.trailers().get("content-md5").value_or("");
        server.close();
      });
    });
  });
  REQUIRE(run_loop());
  CHECK(hex == "4142");
  CHECK(trailer == "7895bf4b8828b55ceaf47747b4bca667");
}

TEST_CASE("server: with a 'checkContinue' listener 'request' is not emitted; client gets 'continue'", "[server]") {
  std::vector<std::string> events;
  std::string body, answer;
  auto server = node::create_server([&](node::incoming_message&, node::server_response& res) {
    events.push_back("request");
    res.end();
  });
  server.on("checkContinue", [&](node::incoming_message& req, node::server_response& res) {
    events.push_back("checkContinue");
    res.write_continue();
    req.on("data", [&](std::string_view c) { body += c; });
    req.on("end", [&] { res.end("received " + body); });
  });
  server.listen(0, "127.0.0.1", [&] {
    corohttp::request_options o;
    o.hostname = "127.0.0.1";
    o.port = server.address().port;
    o.method = "PUT";
    o.headers = {{"Expect", "100-continue"}};
    auto req = node::request(o, [&](node::incoming_message& res) {
      res.on("data", [&](std::string_view c) { answer += c; });
      res.on("end", [&] { server.close(); });
    });
    req.on("continue", [&, req]() mutable {
      events.push_back("continue");
      req.end("payload");
    });
  });
  REQUIRE(run_loop());
  CHECK(events == std::vector<std::string>{"checkContinue", "continue"});
  CHECK(answer == "received payload");
}

TEST_CASE("server: 'upgrade' hands the socket over; the client's 'upgrade' gets the other end", "[server][client]") {
  std::string echoed, upgrade_header;
  auto server = node::create_server([](node::incoming_message&, node::server_response& res) { res.end("plain"); });
  server.on("upgrade", [&](node::incoming_message& req, node::socket& socket, std::string_view head) {
    upgrade_header = req.get_header("upgrade").value_or("");
    socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n");
    if (!head.empty()) socket.write(head);
    socket.pipe(socket);  // echo
  });
  server.listen(0, "127.0.0.1", [&] {
    corohttp::request_options o;
    o.hostname = "127.0.0.1";
    o.port = server.address().port;
    o.headers = {{"Connection", "Upgrade"}, {"Upgrade", "echo"}};
    auto req = node::request(o);
    req.on("upgrade", [&](node::incoming_message& res, node::socket& socket, std::string_view) {
      CHECK(res.status_code() == 101);
      socket.on("data", [&, socket](std::string_view c) mutable {
        echoed += c;
        if (echoed == "ping") socket.end();
      });
      socket.on("close", [&] { server.close(); });
      socket.write("ping");
    });
    req.end();
  });
  REQUIRE(run_loop());
  CHECK(upgrade_header == "echo");
  CHECK(echoed == "ping");
}

TEST_CASE("server: 'clientError' gets the error and the socket; its answer goes out", "[server]") {
  std::string answer;
  error_code seen;
  auto server = node::create_server([](node::incoming_message&, node::server_response& res) { res.end(); });
  server.on("clientError", [&](error_code ec, node::socket& socket) {
    seen = ec;
    socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad");
  });
  server.listen(0, "127.0.0.1", [&] {
    auto s = node::connect(server.address().port, "127.0.0.1", [] {});
    s.on("data", [&](std::string_view c) { answer += c; });
    s.on("close", [&] { server.close(); });
    s.write("GARBAGE\r\n\r\n");
  });
  REQUIRE(run_loop());
  CHECK(seen);
  CHECK(answer.rfind("HTTP/1.1 400 Bad Request", 0) == 0);
  CHECK(answer.find("\r\n\r\nbad") != std::string::npos);
}

TEST_CASE("server: listen() failure is an 'error' event; without a listener run() throws it", "[server]") {
  auto first = node::create_server();
  first.listen(0, "127.0.0.1");
  auto port = first.address().port;
  error_code seen;
  auto second = node::create_server();
  second.on("error", [&](error_code ec) { seen = ec; });
  second.listen(port, "127.0.0.1");
  auto third = node::create_server();
  third.listen(port, "127.0.0.1");
  CHECK_THROWS_AS(run_loop(1s), boost::system::system_error);
  first.close();
  REQUIRE(run_loop());
  CHECK(seen == boost::asio::error::address_in_use);
}

TEST_CASE("server: an exception from a listener leaves run(); the server keeps serving", "[server]") {
  int requests = 0;
  auto server = node::create_server([&](node::incoming_message& req, node::server_response& res) {
    ++requests;
    res.end("ok");
    if (req.url() == "/throw") throw std::runtime_error("listener failed");
  });
  std::string second;
  server.listen(0, "127.0.0.1", [&] { node::get(url_of(server, "/throw")).on("error", [](error_code) {}); });
  CHECK_THROWS_WITH(run_loop(), "listener failed");
  node::get(url_of(server, "/again"), [&](node::incoming_message& res) {
    res.on("data", [&](std::string_view c) { second += c; });
    res.on("end", [&] { server.close(); });
  });
  REQUIRE(run_loop());
  CHECK(requests == 2);
  CHECK(second == "ok");
}

TEST_CASE("server: a client gone before end() gives 'close' on the response and the request", "[server]") {
  std::vector<std::string> events;
  auto server = node::create_server([&](node::incoming_message& req, node::server_response& res) {
    res.on("close", [&] { events.push_back("res close"); });
    res.on("finish", [&] { events.push_back("finish"); });
    req.on("close", [&] { events.push_back("req close"); });
    // never ends: the client hangs up
  });
  server.listen(0, "127.0.0.1", [&] {
    auto s = node::connect(server.address().port, "127.0.0.1");
    s.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    set_timeout(50ms, [s]() mutable { s.destroy(); });
    set_timeout(300ms, [&] { server.close(); });
  });
  REQUIRE(run_loop());
  CHECK(events == std::vector<std::string>{"res close", "req close"});
}

// --- client --------------------------------------------------------------------------------------------

TEST_CASE("client: a refused connection is an 'error' event; without a listener run() throws", "[client]") {
  // A port nobody listens on: bind one, read its number, close it.
  boost::asio::ip::tcp::acceptor a(node::loop(), {boost::asio::ip::make_address("127.0.0.1"), 0});
  auto port = a.local_endpoint().port();
  a.close();
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  error_code seen;
  bool responded = false;
  node::get(url, [&](node::incoming_message&) { responded = true; }).on("error", [&](error_code ec) { seen = ec; });
  REQUIRE(run_loop());
  CHECK(seen == boost::asio::error::connection_refused);
  CHECK_FALSE(responded);
  node::get(url);
  CHECK_THROWS_AS(run_loop(), boost::system::system_error);
  run_loop();
}

TEST_CASE("client: abort() emits 'abort' once and no 'error'; timeout emits 'timeout'", "[client]") {
  std::vector<std::string> events;
  auto server = node::create_server([&](node::incoming_message&, node::server_response&) {
    // never answers
  });
  server.listen(0, "127.0.0.1", [&] {
    auto req = node::get(url_of(server));
    req.on("error", [&](error_code ec) { events.push_back("error " + ec.message()); });
    req.on("abort", [&] { events.push_back("abort"); });
    req.set_timeout(100ms, [&, req]() mutable {
      events.push_back("timeout");
      req.abort();
      req.abort();
      set_timeout(50ms, [&] {
        server.close();
        server.core().close_all_connections();
      });
    });
  });
  REQUIRE(run_loop());
  CHECK(events == std::vector<std::string>{"timeout", "abort"});
}

TEST_CASE("client: message.set_timeout on a response whose body stalls calls its callback", "[client]") {
  std::vector<std::string> events;
  std::string received;
  auto server = node::create_server([&](node::incoming_message&, node::server_response& res) {
    res.write("some");  // then nothing
  });
  server.listen(0, "127.0.0.1", [&] {
    auto req = node::get(url_of(server), [&](node::incoming_message& res) {
      res.on("data", [&](std::string_view c) { received += c; });
      res.set_timeout(100ms, [&] {
        events.push_back("callback got " + received);
        set_timeout(50ms, [&] {
          server.close();
          server.core().close_all_connections();
        });
      });
    });
    req.on("error", [&](error_code ec) { events.push_back("error " + ec.message()); });
  });
  REQUIRE(run_loop());
  REQUIRE_FALSE(events.empty());
  CHECK(events.front() == "callback got some");
  CHECK(std::count(events.begin(), events.end(), "callback got some") == 1);
}

TEST_CASE("client: 'socket' comes first; set_no_delay/set_socket_keep_alive reach the socket", "[client]") {
  std::vector<std::string> events;
  bool no_delay = true, keep_alive = false;
  auto server = node::create_server([](node::incoming_message&, node::server_response& res) { res.end("x"); });
  server.listen(0, "127.0.0.1", [&] {
    auto req = node::get(url_of(server), [&](node::incoming_message& res) {
      events.push_back("response");
      res.resume();
      res.on("end", [&] { server.close(); });
    });
    req.set_no_delay(false).set_socket_keep_alive(true, 2000ms);
    req.on("socket", [&](node::socket& s) {
      events.push_back("socket");
      boost::asio::ip::tcp::no_delay nd;
      s.native().get_option(nd);
      no_delay = nd.value();
      boost::asio::socket_base::keep_alive ka;
      s.native().get_option(ka);
      keep_alive = ka.value();
    });
  });
  REQUIRE(run_loop());
  CHECK(events == std::vector<std::string>{"socket", "response"});
  CHECK_FALSE(no_delay);
  CHECK(keep_alive);
}

TEST_CASE("client: socket 'agentRemove' takes the socket out of the agent's pool", "[client][agent]") {
  // One socket per host: the request for /b can only start while /a is pending if /a's socket left
  // the pool. The server answers /a only after /b was answered.
  node::agent pool({.keep_alive = true, .max_sockets = 1});
  std::vector<std::string> order;
  node::server_response* held = nullptr;
  auto server = node::create_server([&](node::incoming_message& req, node::server_response& res) {
    if (req.url() == "/a") {
      held = &res;
      return;
    }
    res.end("b");
    res.on("finish", [&] {
      if (held) held->end("a");
    });
  });
  std::size_t busy_after_remove = 99;
  corohttp::request_options o;
  server.listen(0, "127.0.0.1", [&] {
    o.hostname = "127.0.0.1";
    o.port = server.address().port;
    o.agent = &pool;
    o.path = "/a";
    auto a = node::get(o, [&](node::incoming_message& res) {
      res.on("data", [&](std::string_view c) { order.push_back(std::string(c)); });
      res.on("end", [&] { server.close(); });
    });
    a.on("socket", [&](node::socket& s) {
      CHECK(s.listener_count("agentRemove") == 1);
      s.emit("agentRemove");
      busy_after_remove = pool.sockets().size();
      o.path = "/b";
      node::get(o, [&](node::incoming_message& res) {
        res.on("data", [&](std::string_view c) { order.push_back(std::string(c)); });
      });
    });
  });
  REQUIRE(run_loop());
  CHECK(busy_after_remove == 0);
  CHECK(order == std::vector<std::string>{"b", "a"});
  CHECK(pool.free_sockets().size() == 1);  // /b's socket went back; /a's was closed
}

TEST_CASE("client: agent: false (no_agent) sends Connection: close", "[client][agent]") {
  std::string connection;
  auto server = node::create_server([&](node::incoming_message& req, node::server_response& res) {
    connection = req.get_header("connection").value_or("");
    res.end();
  });
  server.listen(0, "127.0.0.1", [&] {
    corohttp::request_options o;
    o.hostname = "127.0.0.1";
    o.port = server.address().port;
    o.no_agent = true;
    node::get(o, [&](node::incoming_message& res) {
      res.resume();
      res.on("end", [&] { server.close(); });
    });
  });
  REQUIRE(run_loop());
  CHECK(connection == "close");
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
TEST_CASE("client: the deprecated create_client(port, host) requests that host and port", "[client]") {
  std::string seen;
  auto server = node::create_server([&](node::incoming_message& req, node::server_response& res) {
    seen = std::string(req.method()) + " " + std::string(req.url()) + " " + req.get_header("x-old").value_or("");
    res.end();
  });
  server.listen(0, "127.0.0.1", [&] {
    auto client = node::create_client(server.address().port, "127.0.0.1");
    auto req = client.request("DELETE", "/thing", {{"X-Old", "yes"}});
    req.on("response", [&](node::incoming_message& res) {
      res.resume();
      res.on("end", [&] { server.close(); });
    });
    req.end();
  });
  REQUIRE(run_loop());
  CHECK(seen == "DELETE /thing yes");
}
#pragma GCC diagnostic pop

// --- the remaining properties and methods, through the layer -------------------------------------------

TEST_CASE("server: statusCode, statusMessage, setHeader/getHeader/removeHeader, sendDate", "[server]") {
  std::string head;
  std::optional<std::string> got_header;
  auto server = node::create_server([&](node::incoming_message&, node::server_response& res) {
    res.status_code = 404;
    res.status_message = "Nowhere";
    res.send_date = false;
    res.set_header("X-Keep", "1").set_header("X-Drop", "2").set_header("Set-Cookie", {"a=1", "b=2"});
    got_header = std::string(res.get_header("x-keep").value_or(""));
    res.remove_header("x-drop");
    CHECK_FALSE(res.has_header("X-Drop"));
    CHECK_THROWS_AS(res.set_header("Bad Name", "v"), boost::system::system_error);
    res.end();
    CHECK_THROWS_AS(res.set_header("X-Late", "v"), boost::system::system_error);
  });
  server.listen(0, "127.0.0.1", [&] {
    auto s = node::connect(server.address().port, "127.0.0.1");
    s.on("data", [&](std::string_view c) { head += c; });
    s.on("close", [&] { server.close(); });
    s.end("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  });
  REQUIRE(run_loop());
  CHECK(got_header == "1");
  CHECK(head.rfind("HTTP/1.1 404 Nowhere\r\n", 0) == 0);
  CHECK(head.find("X-Keep: 1\r\n") != std::string::npos);
  CHECK(head.find("X-Drop") == std::string::npos);
  CHECK(head.find("Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n") != std::string::npos);
  CHECK(head.find("Date:") == std::string::npos);
}

TEST_CASE("server: listen_path (UNIX socket), rawHeaders, httpVersion, maxHeadersCount", "[server]") {
  std::string path = "/tmp/corohttp-node-layer-" + std::to_string(::getpid()) + ".sock";
  ::unlink(path.c_str());
  std::vector<std::string_view> raw;
  std::vector<std::string> raw_copy;
  std::string version;
  std::string answer;
  auto server = node::create_server([&](node::incoming_message& req, node::server_response& res) {
    for (auto v : req.raw_headers()) raw_copy.emplace_back(v);
    version = std::string(req.http_version()) + " " + std::to_string(req.http_version_major()) + "." +
              std::to_string(req.http_version_minor());
    res.end("unix");
  });
  server.max_headers_count() = 3;  // Host must stay among them (the server requires it)
  server.listen_path(path, [&] {
    corohttp::request_options o;
    o.socket_path = path;
    o.headers = {{"Host", "unix"}, {"X-One", "1"}, {"x-TWO", "2"}, {"X-Three", "3"}};
    node::get(o, [&](node::incoming_message& res) {
      res.on("data", [&](std::string_view c) { answer += c; });
      res.on("end", [&] { server.close(); });
    });
  });
  REQUIRE(run_loop());
  ::unlink(path.c_str());
  CHECK(answer == "unix");
  CHECK(version == "1.1 1.1");
  CHECK(raw_copy == std::vector<std::string>{"Host", "unix", "X-One", "1", "x-TWO", "2"});  // 3 fields
}

TEST_CASE("server: set_timeout gives idle sockets to 'timeout' listeners", "[server]") {
  int timeouts = 0;
  auto server = node::create_server([](node::incoming_message&, node::server_response&) {});
  server.set_timeout(100ms, [&](node::socket& s) {
    ++timeouts;
    s.destroy();
  });
  CHECK(server.timeout() == 100ms);
  bool closed = false;
  server.listen(0, "127.0.0.1", [&] {
    auto s = node::connect(server.address().port, "127.0.0.1");
    s.on("close", [&] {
      closed = true;
      server.close();
    });
    s.resume();
  });
  REQUIRE(run_loop());
  CHECK(timeouts == 1);
  CHECK(closed);
}

TEST_CASE("client: setHeader/getHeader/removeHeader until sent; flush_headers sends the head", "[client]") {
  std::string seen_head, seen_drop;
  bool head_before_end = false;
  auto server = node::create_server([&](node::incoming_message& req, node::server_response& res) {
    head_before_end = true;
    seen_head = req.get_header("x-head").value_or("");
    seen_drop = req.get_header("x-drop").value_or("none");
    req.on("end", [&] { res.end(); });
    req.resume();
  });
  server.listen(0, "127.0.0.1", [&] {
    corohttp::request_options o;
    o.hostname = "127.0.0.1";
    o.port = server.address().port;
    o.method = "POST";
    auto req = node::request(o, [&](node::incoming_message& res) {
      res.resume();
      res.on("end", [&] { server.close(); });
    });
    req.set_header("X-Head", "yes").set_header("X-Drop", "no");
    CHECK(req.get_header("x-head") == "yes");
    req.remove_header("X-Drop");
    req.flush_headers();
    set_timeout(100ms, [&, req]() mutable {
      CHECK(head_before_end);  // the server saw the request before end()
      CHECK(req.headers_sent());
      CHECK_THROWS_AS(req.set_header("X-Late", "1"), boost::system::system_error);
      req.end();
    });
  });
  REQUIRE(run_loop());
  CHECK(seen_head == "yes");
  CHECK(seen_drop == "none");
}

TEST_CASE("client: a 101 without an 'upgrade' listener closes the socket; a 200 is a response", "[client]") {
  int upgrades = 0;
  std::string plain;
  auto server = node::create_server([](node::incoming_message&, node::server_response& res) { res.end("plain"); });
  server.on("upgrade", [&](node::incoming_message& req, node::socket& socket, std::string_view) {
    ++upgrades;
    if (req.url() == "/plain") {  // answer as an ordinary response instead of switching
      socket.end("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nplain");
      return;
    }
    socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n");
    socket.on("end", [&] { plain += "[server saw the client close]"; });
    socket.resume();
  });
  server.listen(0, "127.0.0.1", [&] {
    corohttp::request_options o;
    o.hostname = "127.0.0.1";
    o.port = server.address().port;
    o.headers = {{"Connection", "Upgrade"}, {"Upgrade", "x"}};
    node::request(o).end();  // nobody listens to 'upgrade': the client closes the socket
    o.path = "/plain";
    auto req = node::request(o, [&](node::incoming_message& res) {
      res.on("data", [&](std::string_view c) { plain += c; });
    });
    req.end();
    set_timeout(300ms, [&] { server.close(); });
  });
  REQUIRE(run_loop());
  CHECK(upgrades == 2);
  CHECK(plain.find("plain") != std::string::npos);
  CHECK(plain.find("[server saw the client close]") != std::string::npos);
}

// --- listen(handle), timeouts, rawTrailers, message.socket, keepAliveMsecs, CONNECT ---------------------

TEST_CASE("server: listen(native_listener{fd}) serves on an inherited socket; a bad handle is an 'error'", "[server]") {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&in), sizeof in) == 0);
  socklen_t len = sizeof in;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&in), &len) == 0);
  const std::uint16_t bound_port = ntohs(in.sin_port);
  std::vector<std::string> events;
  std::string body;
  auto server = node::create_server([](node::incoming_message&, node::server_response& res) { res.end("from fd"); });
  server.listen(corohttp::native_listener{fd}, [&] {
    events.push_back("listening");
    node::get(url_of(server), [&](node::incoming_message& res) {
      res.on("data", [&](std::string_view c) { body += c; });
      res.on("end", [&] { server.close([&] { events.push_back("close"); }); });
    });
  });
  CHECK(server.listening());
  CHECK(server.address().port == bound_port);
  // Not a socket: listen() fails, as an 'error' event on the next turn.
  error_code bad;
  auto broken = node::create_server();
  broken.on("error", [&](error_code ec) { bad = ec; });
  broken.on("listening", [&] { events.push_back("broken listening"); });
  broken.listen(corohttp::native_listener{-1});
  REQUIRE(run_loop());
  CHECK(body == "from fd");
  CHECK(events == std::vector<std::string>{"listening", "close"});
  CHECK(bad == boost::system::error_code(EBADF, boost::system::system_category()));
  CHECK_FALSE(broken.listening());
}

TEST_CASE("server: res.set_timeout: the callback and 'timeout' listeners; without any the socket is destroyed", "[server]") {
  // /hook: the callback and a listener both hear the timeout and answer late. The socket's timeout
  // outlives the response: idle afterwards, the socket is destroyed (nobody listens any more).
  // /none: no listener, so the timed-out socket is destroyed and the response gets 'close'.
  std::vector<std::string> events;
  auto server = node::create_server([&](node::incoming_message& req, node::server_response& res) {
    if (req.url() == "/hook") {
      res.set_timeout(100ms, [&] { events.push_back("callback"); });
      res.on("timeout", [&] {
        events.push_back("listener");
        res.end("late");
      });
    } else {
      res.set_timeout(100ms);
      res.on("close", [&] { events.push_back("none: res close"); });
    }
  });
  std::string hook_answer, none_answer;
  int closed = 0;
  auto both_closed = [&] {
    if (++closed == 2) server.close();
  };
  server.listen(0, "127.0.0.1", [&] {
    raw_client(server, "GET /hook HTTP/1.1\r\nHost: x\r\n\r\n", hook_answer, events, "/hook", both_closed);
    set_timeout(600ms, [&] {  // one after the other: a fixed order
      raw_client(server, "GET /none HTTP/1.1\r\nHost: x\r\n\r\n", none_answer, events, "/none", both_closed);
    });
  });
  REQUIRE(run_loop());
  CHECK(hook_answer.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(hook_answer.find("\r\n\r\nlate") != std::string::npos);
  CHECK(none_answer.empty());
  // The two ends of /none notice the destroyed socket in either order.
  REQUIRE(events.size() == 5);
  CHECK(std::vector<std::string>(events.begin(), events.begin() + 3) ==
        std::vector<std::string>{"callback", "listener", "/hook: client close"});
  CHECK(std::is_permutation(events.begin() + 3, events.end(),
                            std::vector<std::string>{"none: res close", "/none: client close"}.begin()));
}

TEST_CASE("server: message.set_timeout on a request whose body stalls: callback, else the socket is destroyed", "[server]") {
  std::vector<std::string> events;
  std::string received;
  auto server = node::create_server([&](node::incoming_message& req, node::server_response& res) {
    req.on("data", [&](std::string_view c) { received += c; });
    if (req.url() == "/hook") {
      req.set_timeout(100ms, [&] {
        events.push_back("callback got " + received);
        res.write_head(408);
        res.end("too slow");
      });
    } else {
      req.set_timeout(100ms);
      req.on("close", [&] { events.push_back("none: req close"); });
    }
  });
  std::string hook_answer, none_answer;
  int closed = 0;
  auto both_closed = [&] {
    if (++closed == 2) server.close();
  };
  // 3 of the 10 body bytes, then nothing.
  const std::string head = " HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc";
  server.listen(0, "127.0.0.1", [&] {
    raw_client(server, "POST /hook" + head, hook_answer, events, "/hook", both_closed);
    set_timeout(600ms, [&] {
      received.clear();
      raw_client(server, "POST /none" + head, none_answer, events, "/none", both_closed);
    });
  });
  REQUIRE(run_loop());
  CHECK(hook_answer.rfind("HTTP/1.1 408 Request Timeout\r\n", 0) == 0);
  CHECK(hook_answer.find("too slow") != std::string::npos);
  CHECK(none_answer.empty());
  REQUIRE(events.size() == 4);
  CHECK(std::vector<std::string>(events.begin(), events.begin() + 2) ==
        std::vector<std::string>{"callback got abc", "/hook: client close"});
  CHECK(std::is_permutation(events.begin() + 2, events.end(),
                            std::vector<std::string>{"none: req close", "/none: client close"}.begin()));
}

TEST_CASE("server: rawTrailers keep their spelling; message.socket is the connection on both sides", "[server][client]") {
  std::vector<std::string> raw_trailers;
  boost::asio::generic::stream_protocol::endpoint server_saw_peer, client_local, client_peer;
  const void* socket_event = nullptr;
  const void* response_socket = nullptr;
  auto server = node::create_server([&](node::incoming_message& req, node::server_response& res) {
    server_saw_peer = req.socket().remote_endpoint();
    res.write_head(200, {{"Trailer", "X-Checksum, x-lower"}});
    res.write("body");
    res.add_trailers({{"X-Checksum", "abc"}, {"x-lower", "1"}});
    res.end();
  });
  std::uint16_t port = 0;
  server.listen(0, "127.0.0.1", [&] {
    port = server.address().port;
    auto req = node::get(url_of(server), [&](node::incoming_message& res) {
      response_socket = &res.socket();
      client_local = res.socket().local_endpoint();
      client_peer = res.socket().remote_endpoint();
      res.resume();
      res.on("end", [&] {
        for (auto v : res.raw_trailers()) raw_trailers.emplace_back(v);
        server.close();
      });
    });
    req.on("socket", [&](node::socket& s) { socket_event = &s.native(); });
  });
  REQUIRE(run_loop());
  CHECK(raw_trailers == std::vector<std::string>{"X-Checksum", "abc", "x-lower", "1"});
  CHECK(server_saw_peer == client_local);  // the server's req.socket and the client's res.socket: one connection
  REQUIRE(response_socket != nullptr);
  CHECK(response_socket == socket_event);  // res.socket is the socket of the request's 'socket' event
  boost::asio::ip::tcp::endpoint peer;
  std::memcpy(peer.data(), client_peer.data(), client_peer.size());
  CHECK(peer.port() == port);
}

TEST_CASE("client: an agent's keep_alive_msecs is the TCP keep-alive delay of its sockets", "[client][agent]") {
  node::agent keeping({.keep_alive = true, .keep_alive_msecs = 4000ms});
  node::agent plain({.keep_alive = false, .keep_alive_msecs = 4000ms});
  struct seen {
    int keep_alive = -1, idle = -1;
  };
  seen with_keep_alive, without;
  auto read_back = [](node::socket& s, seen& out) {
    int fd = s.native().native_handle();
    socklen_t len = sizeof out.keep_alive;
    if (::getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &out.keep_alive, &len) != 0) out.keep_alive = -2;
    len = sizeof out.idle;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &out.idle, &len) != 0) out.idle = -2;
  };
  int done = 0;
  auto server = node::create_server([](node::incoming_message&, node::server_response& res) { res.end("x"); });
  server.listen(0, "127.0.0.1", [&] {
    for (auto* a : {&keeping, &plain}) {
      corohttp::request_options o;
      o.hostname = "127.0.0.1";
      o.port = server.address().port;
      o.agent = a;
      auto req = node::get(o, [&, a](node::incoming_message& res) {
        res.resume();
        res.on("end", [&, a] {
          a->destroy();
          if (++done == 2) server.close();
        });
      });
      req.on("socket", [&, a](node::socket& s) { read_back(s, a == &keeping ? with_keep_alive : without); });
    }
  });
  REQUIRE(run_loop());
  CHECK(done == 2);
  CHECK(with_keep_alive.keep_alive == 1);
  CHECK(with_keep_alive.idle == 4);  // the kernel's default is 7200 s
  CHECK(without.keep_alive == 0);
}

TEST_CASE("client: CONNECT without a 'connect' listener destroys the socket; no 'response', no 'error'", "[client]") {
  // Node 20: the tunnel's socket is destroyed, the request ends ('close'), nothing else is emitted.
  std::vector<std::string> events;
  auto server = node::create_server();
  server.on("connect", [&](node::incoming_message& req, node::socket& socket, std::string_view) {
    events.push_back("server connect " + std::string(req.url()));
    socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    socket.on("end", [&] { events.push_back("server saw the client close"); });
    socket.on("close", [&] { server.close(); });
    socket.resume();
  });
  server.listen(0, "127.0.0.1", [&] {
    corohttp::request_options o;
    o.hostname = "127.0.0.1";
    o.port = server.address().port;
    o.method = "CONNECT";
    o.path = "example.test:443";
    auto req = node::request(o, [&](node::incoming_message&) { events.push_back("response"); });
    req.on("error", [&](error_code ec) { events.push_back("error " + ec.message()); });
    req.on("socket", [&](node::socket&) { events.push_back("socket"); });
    req.end();
  });
  REQUIRE(run_loop());
  CHECK(events == std::vector<std::string>{"socket", "server connect example.test:443", "server saw the client close"});
}

TEST_CASE("client: without a 'response' listener the response is read and dropped; its socket is reused", "[client][agent]") {
  // One socket: the second request is served only once the first, unheard response was consumed
  // and its socket went back to the pool.
  node::agent pool({.keep_alive = true, .max_sockets = 1});
  std::string second;
  bool reused = false;
  int served = 0;
  auto server = node::create_server([&](node::incoming_message&, node::server_response& res) {
    ++served;
    res.end(std::string(64 * 1024, 'z'));  // more than one read: the drop has to read it all
  });
  server.listen(0, "127.0.0.1", [&] {
    corohttp::request_options o;
    o.hostname = "127.0.0.1";
    o.port = server.address().port;
    o.agent = &pool;
    node::get(o).on("error", [](error_code) { FAIL("the unheard request failed"); });
    auto req = node::get(o, [&](node::incoming_message& res) {
      res.on("data", [&](std::string_view c) { second += c; });
      res.on("end", [&] { server.close(); });
    });
    req.on("socket", [&, req](node::socket&) mutable { reused = req.reused_socket(); });
  });
  REQUIRE(run_loop());
  CHECK(served == 2);
  CHECK(second.size() == 64 * 1024);
  CHECK(reused);
}
