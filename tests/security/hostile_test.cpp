// Hostile input: malformed and smuggling requests, in every class of DESIGN.md §5, with variants in
// case, whitespace and ordering, each sent whole and split across TCP writes. Each must be answered
// 400 (431 or 413 where that is the answer) with the connection closed, and the handler must never
// see it.
#include <corohttp/server.hpp>

#include <catch2/catch.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "server_fixture.hpp"
#include "test_support.hpp"

extern char** environ;

using namespace corohttp;
using namespace std::chrono_literals;

namespace {

struct hostile_case {
  std::string name;
  std::string bytes;
  std::string status = "400";
  bool in_body = false;  // the head is valid: the handler runs, but its answer never goes out
};

std::vector<hostile_case> hostile_cases() {
  std::vector<hostile_case> v;
  const std::string h = "Host: example.com\r\n";
  auto add = [&](std::string name, std::string bytes, std::string status = "400") {
    for (char& c : name)
      if (c == '\r' || c == '\n') c = ' ';
    v.push_back({std::move(name), std::move(bytes), std::move(status)});
  };
  auto add_body = [&](std::string name, std::string bytes, std::string status = "400") {
    add(std::move(name), std::move(bytes), std::move(status));
    v.back().in_body = true;
  };
  // Content-Length with Transfer-Encoding, in both orders, any case, any spacing.
  for (std::string te : {"chunked", "CHUNKED", "Chunked", " chunked", "chunked ", "gzip, chunked"})
    for (std::string cl_name : {"Content-Length", "content-length", "CONTENT-LENGTH"}) {
      add("CL+TE " + cl_name + "/" + te,
          "POST / HTTP/1.1\r\n" + h + cl_name + ": 5\r\nTransfer-Encoding: " + te + "\r\n\r\n0\r\n\r\n");
      add("TE+CL " + cl_name + "/" + te,
          "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: " + te + "\r\n" + cl_name + ": 5\r\n\r\n0\r\n\r\n");
    }
  // Duplicate or malformed Content-Length.
  for (std::string cl : {"5\r\nContent-Length: 6", "5\r\nContent-Length: 5", "5, 5", "5,6", "+5", "-5", "5 5", "0x5",
                         "5.0", "", "99999999999999999999999", "5\r\ncontent-length: 05", "1e3"})
    add("bad Content-Length '" + cl + "'", "POST / HTTP/1.1\r\n" + h + "Content-Length: " + cl + "\r\n\r\nhello");
  // Transfer-Encoding that does not end in chunked, or repeats it.
  for (std::string te : {"gzip", "identity", "chunked, gzip", "chunked, chunked", "chunkedchunked", "chunked;q=1",
                         "\"chunked\"", "chunk", "x-chunked", ""})
    add("bad Transfer-Encoding '" + te + "'", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: " + te + "\r\n\r\n0\r\n\r\n");
  add("TE split over fields, chunked first",
      "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n");
  // Bad chunk sizes and framing.
  const std::string ch = "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n";
  for (std::string body : {"g\r\n", "-1\r\n", " 5\r\nhello\r\n0\r\n\r\n", "5 \r\nhello\r\n0\r\n\r\n", "0x5\r\nhello\r\n",
                           "5\r\nhelloXX0\r\n\r\n", "5\nhello\r\n0\r\n\r\n", "ffffffffffffffffff\r\n", "5;\r\nhello\r\n",
                           "5; a=b\r\nhello\r\n", "5;a=\"x\r\nhello\r\n", "5\r\nhello\r\n0\r\nBad Trailer: x\r\n\r\n"})
    add_body("bad chunk framing '" + std::string(body.substr(0, 12)) + "'", ch + body);
  // obs-fold, whitespace before the colon, leading whitespace.
  add("obs-fold SP", "GET / HTTP/1.1\r\n" + h + "X-A: a\r\n b\r\n\r\n");
  add("obs-fold HTAB", "GET / HTTP/1.1\r\n" + h + "X-A: a\r\n\tb\r\n\r\n");
  add("obs-fold hiding Content-Length", "POST / HTTP/1.1\r\n" + h + "X-A: a\r\n Content-Length: 5\r\n\r\nhello");
  add("space before colon", "GET / HTTP/1.1\r\nHost : example.com\r\n\r\n");
  add("tab before colon", "GET / HTTP/1.1\r\n" + h + "X-A\t: a\r\n\r\n");
  add("space before colon on Content-Length", "POST / HTTP/1.1\r\n" + h + "Content-Length : 5\r\n\r\nhello");
  add("space before colon on Transfer-Encoding", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n");
  add("leading space on first field", "GET / HTTP/1.1\r\n Host: example.com\r\n\r\n");
  // Bare CR and bare LF.
  add("bare CR in value", "GET / HTTP/1.1\r\n" + h + "X-A: a\rb\r\n\r\n");
  add("bare LF after value", "GET / HTTP/1.1\r\n" + h + "X-A: a\nX-B: b\r\n\r\n");
  add("bare LF after start line", "GET / HTTP/1.1\n" + h + "\r\n");
  add("bare LF ending the head", "GET / HTTP/1.1\r\n" + h + "\n");
  add("CR CR LF", "GET / HTTP/1.1\r\r\n" + h + "\r\n");
  add("bare CR ending the head", "GET / HTTP/1.1\r\n" + h + "\rX");
  // Invalid bytes in names and values; NUL.
  add("NUL in value", std::string("GET / HTTP/1.1\r\n") + h + std::string("X-A: a\0b\r\n\r\n", 12));
  add("NUL in name", std::string("GET / HTTP/1.1\r\n") + h + std::string("X\0A: a\r\n\r\n", 10));
  add("DEL in value", "GET / HTTP/1.1\r\n" + h + "X-A: a\x7f\r\n\r\n");
  add("control in value", "GET / HTTP/1.1\r\n" + h + "X-A: a\x01\r\n\r\n");
  add("escape in value", "GET / HTTP/1.1\r\n" + h + "X-A: \x1b[31m\r\n\r\n");
  for (std::string name : {"X(A)", "X A", "X/A", "X@A", "X\"A", "X{A}", "X\xc3\xa9", "[X]", "X,A", "X=A", ":X"})
    add("bad name '" + name + "'", "GET / HTTP/1.1\r\n" + h + name + ": v\r\n\r\n");
  add("empty name", "GET / HTTP/1.1\r\n" + h + ": v\r\n\r\n");
  add("no colon", "GET / HTTP/1.1\r\n" + h + "NoColon\r\n\r\n");
  // Start line: methods, targets, versions.
  for (std::string m : {"get", "Get", "FOO", "G ET", "GE\tT", "GET\x01", "", "PRI"})
    add("bad method '" + m + "'", m + " / HTTP/1.1\r\n" + h + "\r\n");
  for (std::string t : {"/a b", "/a\tb", "/\x01", "/\x7f", "/caf\xc3\xa9", "", "nohost", "http:/x"})
    add("bad target '" + t + "'", "GET " + t + " HTTP/1.1\r\n" + h + "\r\n");
  for (std::string ver : {"HTTP/1.2", "HTTP/3.0", "HTTP/11", "HTTP/1.1 ", "http/1.1", "HTTP/1", "HTTP/1.1.1", "HTTP/01.1",
                          "HTTP/1,1", "HTTPS/1.1"})
    add("bad version '" + ver + "'", "GET / " + ver + "\r\n" + h + "\r\n");
  add("two spaces after method", "GET  / HTTP/1.1\r\n" + h + "\r\n");
  add("two spaces after target", "GET /  HTTP/1.1\r\n" + h + "\r\n");
  add("CONNECT to a path", "CONNECT /x HTTP/1.1\r\n" + h + "\r\n");
  // Host rules (stricter than Node, on purpose).
  add("no Host on 1.1", "GET / HTTP/1.1\r\n\r\n");
  add("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  add("two identical Hosts", "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n");
  add("Host list", "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n");
  add("Host userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n");
  add("Host path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n");
  add("Host empty", "GET / HTTP/1.1\r\nHost: \r\n\r\n");
  add("Host bad port", "GET / HTTP/1.1\r\nHost: a:b\r\n\r\n");
  add("asterisk with GET", "GET * HTTP/1.1\r\n" + h + "\r\n");
  // Limits.
  add("head too large", "GET / HTTP/1.1\r\n" + h + "X-Big: " + std::string(20000, 'a') + "\r\n\r\n", "431");
  add("too many bytes of fields", "GET / HTTP/1.1\r\n" + h + [] {
    std::string s;
    for (int i = 0; i < 3000; ++i) s += "X-" + std::to_string(i) + ": v\r\n";
    return s;
  }() + "\r\n", "431");
  add_body("chunk extensions too long", ch + "1;" + std::string(20000, 'e') + "\r\nx\r\n0\r\n\r\n", "413");
  return v;
}

}  // namespace

TEST_CASE("hostile requests are refused; no handler's answer ever goes out for one", "[security]") {
  std::atomic<int> handled{0};
  test::running_server s([&](incoming_message& req, server_response& res) -> awaitable<void> {
    ++handled;
    std::string body;
    co_await req.read_all(body, 1 << 20);
    co_await res.end("handled " + std::string(req.url()));
  });
  auto cases = hostile_cases();
  std::size_t refused = 0;
  for (auto& c : cases) {
    for (int split = 0; split < 3; ++split) {
      INFO(c.name << " (split mode " << split << ")");
      const int before = handled;
      test::raw_client client(s.port());
      if (split == 0) {
        client.send(c.bytes);
      } else if (split == 1) {
        // Every byte its own write (the first 600 bytes; then the rest at once).
        std::size_t n = std::min<std::size_t>(c.bytes.size(), 600);
        for (std::size_t i = 0; i < n && !client.eof(); ++i) {
          try {
            client.send(c.bytes.substr(i, 1));
          } catch (...) {
            break;  // the server already closed: it answered early
          }
        }
        try {
          if (n < c.bytes.size()) client.send(c.bytes.substr(n));
        } catch (...) {
        }
      } else {
        // Three writes, cut at the line ends nearest a third and two thirds.
        auto cut1 = c.bytes.find('\n', c.bytes.size() / 3);
        auto cut2 = c.bytes.find('\n', 2 * c.bytes.size() / 3);
        std::vector<std::size_t> cuts{0};
        if (cut1 != std::string::npos) cuts.push_back(cut1 + 1);
        if (cut2 != std::string::npos && cut2 + 1 > cuts.back()) cuts.push_back(cut2 + 1);
        cuts.push_back(c.bytes.size());
        for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
          try {
            client.send(c.bytes.substr(cuts[k], cuts[k + 1] - cuts[k]));
          } catch (...) {
            break;
          }
          std::this_thread::sleep_for(2ms);
        }
      }
      CHECK(client.closed_within(3000));
      const std::string& got = client.received();
      CHECK(got.substr(0, 12) == "HTTP/1.1 " + c.status);
      CHECK(got.find("Connection: close") != std::string::npos);
      CHECK(got.find("handled") == std::string::npos);
      if (!c.in_body) CHECK(handled == before);
      refused += got.starts_with("HTTP/1.1 " + c.status) && got.find("handled") == std::string::npos;
    }
  }
  std::size_t head_cases = 0;
  for (auto& c : cases) head_cases += !c.in_body;
  std::cout << "security: " << cases.size() << " hostile requests x 3 ways, " << refused << " of " << cases.size() * 3
            << " refused as expected; handler calls: " << handled << " (only for the "
            << cases.size() - head_cases << " whose head is valid and body is not)\n";
  CHECK(cases.size() >= 80);
  CHECK(refused == cases.size() * 3);
}

TEST_CASE("a refused request never desynchronises the requests before it", "[security]") {
  std::vector<std::string> seen;
  test::running_server s([&](incoming_message& req, server_response& res) -> awaitable<void> {
    seen.emplace_back(req.url());
    co_await res.end("ok");
  });
  test::raw_client c(s.port());
  c.send("GET /first HTTP/1.1\r\nHost: h\r\n\r\n"
         "POST /smuggle HTTP/1.1\r\nHost: h\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n"
         "0\r\n\r\nGET /hidden HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(c.closed_within(3000));
  CHECK(seen == std::vector<std::string>{"/first"});
  CHECK(c.received().find("HTTP/1.1 400 Bad Request") != std::string::npos);
}

// Found by fuzz_connection: a response held back to leave with the next one (the next request was
// already received) was dropped when that next request was refused.
TEST_CASE("regression: a refusal sends the held-back responses to the pipelined requests before it", "[security]") {
  test::running_server s([&](incoming_message& req, server_response& res) -> awaitable<void> {
    co_await res.end("ok " + std::string(req.url()));
  });
  for (std::string bad : {std::string("GET /no-host HTTP/1.1\r\n\r\n"), std::string("GET /bad HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n"),
                          "GET /big HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n"}) {
    INFO(bad);
    test::raw_client c(s.port());
    c.send("GET /one HTTP/1.1\r\nHost: h\r\n\r\nGET /two HTTP/1.1\r\nHost: h\r\n\r\n" + bad);
    CHECK(c.closed_within(3000));
    const std::string& got = c.received();
    auto one = got.find("ok /one"), two = got.find("ok /two"), refusal = got.find("HTTP/1.1 4");
    CHECK(one != std::string::npos);
    CHECK(two != std::string::npos);
    CHECK(refusal != std::string::npos);
    CHECK((one < two && two < refusal));
  }
}

namespace {

// nginx in front of a corohttp server, keeping its upstream connections alive (so that a
// desynchronised upstream connection would show on the requests of other clients).
class nginx_front {
 public:
  nginx_front(std::uint16_t upstream) {
    dir_ = std::filesystem::temp_directory_path() / ("corohttp-nginx-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::filesystem::permissions(dir_, std::filesystem::perms(0755));
    // A free port: bind port 0, read it back, close; nginx binds it a moment later.
    {
      test::running_server probe([](incoming_message&, server_response& res) -> awaitable<void> { co_await res.end(); });
      port_ = probe.port();
    }
    const std::string d = dir_.string();
    std::ofstream(dir_ / "nginx.conf")
        << "worker_processes 1;\npid " << d << "/nginx.pid;\nerror_log " << d << "/error.log warn;\n"
        << "events { worker_connections 512; }\nhttp {\n  access_log off;\n"
        << "  client_body_temp_path " << d << "/cb;\n  proxy_temp_path " << d << "/px;\n"
        << "  fastcgi_temp_path " << d << "/fc;\n  uwsgi_temp_path " << d << "/uw;\n  scgi_temp_path " << d << "/sc;\n"
        << "  client_header_timeout 1s;\n  client_body_timeout 1s;\n  proxy_read_timeout 5s;\n"
        << "  upstream app {\n    server 127.0.0.1:" << upstream << ";\n    keepalive 4;\n  }\n"
        << "  server {\n    listen 127.0.0.1:" << port_ << ";\n    location / {\n"
        << "      proxy_pass http://app;\n      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n"
        << "    }\n  }\n}\n";
    std::string conf = (dir_ / "nginx.conf").string(), err = (dir_ / "error.log").string();
    std::vector<std::string> args{"nginx", "-p", d, "-e", err, "-c", conf, "-g", "daemon off;"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (::posix_spawnp(&pid_, "nginx", nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
    for (int i = 0; i < 200 && pid_ > 0; ++i) {  // up to 10 s for it to listen
      try {
        test::raw_client c(port_);
        return;
      } catch (...) {
        std::this_thread::sleep_for(50ms);
      }
    }
    throw std::runtime_error("nginx did not start; see " + err);
  }
  ~nginx_front() {
    if (pid_ > 0) {
      ::kill(pid_, SIGQUIT);
      int status = 0;
      for (int i = 0; i < 100 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) std::this_thread::sleep_for(50ms);
      if (::waitpid(pid_, &status, WNOHANG) == 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
      }
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::uint16_t port() const { return port_; }

 private:
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// The request-target of a start line, as nginx reads it (runs of spaces between the parts allowed).
std::string target_of(const std::string& request) {
  auto sp = request.find(' ');
  if (sp == std::string::npos) return {};
  auto begin = request.find_first_not_of(' ', sp);
  if (begin == std::string::npos) return {};
  auto end = request.find_first_of(" \r\n", begin);
  return request.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

}  // namespace

TEST_CASE("hostile requests through nginx never desynchronise our connections", "[security][nginx]") {
  if (!test::have_program("nginx")) return test::skip("nginx is not installed: the front-proxy cases not run");
  std::mutex m;
  std::vector<std::string> seen;  // every target our handler saw, in order
  test::running_server s([&](incoming_message& req, server_response& res) -> awaitable<void> {
    {
      std::lock_guard lock(m);
      seen.emplace_back(req.url());
    }
    std::string body;
    co_await req.read_all(body, 1 << 20);
    co_await res.end("handled " + std::string(req.url()) + " body " + std::to_string(body.size()));
  });
  nginx_front nginx(s.port());
  auto cases = hostile_cases();
  std::size_t forwarded = 0, probes_same_connection = 0, probes_ok = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    INFO(c.name);
    const std::string probe_target = "/probe-" + std::to_string(i);
    const std::string probe = "GET " + probe_target + " HTTP/1.1\r\nHost: front\r\n\r\n";
    const std::string expect = "handled " + probe_target + " body 0";
    std::size_t seen_before;
    {
      std::lock_guard lock(m);
      seen_before = seen.size();
    }
    // The hostile bytes, then a normal request on the same client connection.
    bool answered = false;
    // Reads until the probe's answer, EOF, or ~ms; returns everything read.
    auto read_answer = [&](test::raw_client& client, int ms) {
      std::string got;
      for (int k = 0; k < ms / 25 && !client.eof(); ++k) {
        got += client.read_for(25);
        if (got.find(expect) != std::string::npos) break;
      }
      return got;
    };
    {
      test::raw_client client(nginx.port());
      client.send(c.bytes);
      try {
        client.send(probe);
      } catch (...) {
      }
      std::string got = read_answer(client, 1500);
      answered = got.find(expect) != std::string::npos;
      probes_same_connection += answered;
      // Whatever came back for the probe target answers the probe, never another request.
      auto at = got.find("handled " + probe_target);
      if (at != std::string::npos) CHECK(got.compare(at, expect.size(), expect) == 0);
    }
    // nginx may have closed the client connection; then the probe goes on a fresh one, over the
    // same kept-alive upstream connections.
    if (!answered) {
      test::raw_client client(nginx.port());
      client.send(probe);
      answered = read_answer(client, 3000).find(expect) != std::string::npos;
    }
    CHECK(answered);
    probes_ok += answered;
    // Our handler saw only the hostile request's own target (when nginx forwarded it) and the probe.
    std::lock_guard lock(m);
    std::vector<std::string> now(seen.begin() + static_cast<std::ptrdiff_t>(seen_before), seen.end());
    const std::string own = target_of(c.bytes);
    std::size_t own_count = 0;
    for (auto& t : now) {
      if (t == probe_target) continue;
      CHECK(t == own);
      own_count += t == own;
    }
    CHECK(own_count <= 1);
    forwarded += own_count;
  }
  std::cout << "security/nginx: " << cases.size() << " hostile requests through nginx: " << forwarded
            << " forwarded to our server (the rest refused by nginx), " << probes_ok << " follow-up requests answered"
            << " correctly (" << probes_same_connection << " on the same client connection); handler calls "
            << seen.size() << "\n";
  CHECK(probes_ok == cases.size());
}
