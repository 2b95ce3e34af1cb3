// A corohttp server running on its own thread, and a blocking raw-socket client to poke it with:
// the way the server tests see the server from the outside, byte for byte.
#pragma once

#include <corohttp/server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>

#include "parse_driver.hpp"

namespace corohttp::test {

class running_server {
 public:
  explicit running_server(request_handler handler, server_options opt = {},
                          std::function<void(server&)> setup = {})
      : server_(io_, std::move(handler), opt) {
    if (setup) setup(server_);
    if (auto ec = server_.listen(0, "127.0.0.1")) throw std::runtime_error("listen: " + ec.message());
    port_ = server_.address().port;
    thread_ = std::thread([this] { io_.run(); });
  }
  ~running_server() { stop(); }

  std::uint16_t port() const { return port_; }
  server& get() { return server_; }
  boost::asio::io_context& io() { return io_; }

  /// Runs `f` on the server's thread and waits for it.
  template <class F>
  auto on_server(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto fut = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return fut.get();
  }

  void stop() {
    if (!thread_.joinable()) return;
    boost::asio::post(io_, [this] {
      server_.close();
      server_.close_all_connections();
    });
    // Give the connections a moment to wind down, then stop the loop.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      if (on_server([this] { return server_.connections(); }) == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    io_.stop();
    thread_.join();
  }

 private:
  boost::asio::io_context io_{1};
  // Keeps run() going after the server has wound down, until stop() says so.
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ = boost::asio::make_work_guard(io_);
  server server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

/// A blocking TCP client socket with timeouts.
class raw_client {
 public:
  explicit raw_client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("connect failed");
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~raw_client() {
    if (fd_ >= 0) ::close(fd_);
  }
  raw_client(const raw_client&) = delete;

  void send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  /// Reads what arrives within `ms` of silence; stops early at EOF. Sets eof().
  std::string read_for(int ms = 300) {
    std::string out;
    char buf[65536];
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      int r = ::poll(&p, 1, ms);
      if (r <= 0) break;
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        eof_ = true;
        break;
      }
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

  /// Waits up to `ms` for bytes and returns what one recv gives ("" on timeout or EOF).
  std::string read_some(int ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return {};
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return {};
    }
    return std::string(buf, static_cast<std::size_t>(n));
  }

  /// Reads until `count` complete responses have arrived (or `ms` of silence, or EOF).
  std::vector<parsed_message> read_responses(std::size_t count, int ms = 2000, bool head = false) {
    for (;;) {
      parser p(message_type::response);
      auto o = feed(p, pending_, {}, eof_, head);
      std::size_t complete = 0;
      for (auto& m : o.messages) complete += m.complete;
      if (complete >= count || eof_ || o.ec) {
        std::vector<parsed_message> out;
        for (auto& m : o.messages)
          if (m.complete) out.push_back(m);
        return out;
      }
      std::string more = read_some(ms);
      if (more.empty() && !eof_) return {};
      pending_ += more;
    }
  }

  /// True when the server has closed the connection (EOF within `ms`).
  bool closed_within(int ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!eof_ && std::chrono::steady_clock::now() < deadline) {
      std::string more = read_for(static_cast<int>(
          std::max<long>(1, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count())));
      pending_ += more;
    }
    return eof_;
  }
  bool eof() const { return eof_; }
  const std::string& received() const { return pending_; }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  bool eof_ = false;
  std::string pending_;
};

/// One request on a fresh connection; returns everything received until close or silence.
inline std::string exchange_raw(std::uint16_t port, std::string_view request, int ms = 500) {
  raw_client c(port);
  c.send(request);
  std::string out;
  while (true) {
    std::string more = c.read_for(ms);
    out += more;
    if (more.empty() || c.eof()) break;
  }
  return out;
}

/// Finds a header value in a parsed message (case-insensitive); "" if absent.
inline std::string header_of(const parsed_message& m, std::string_view name) {
  for (auto& [n, v] : m.headers)
    if (ascii::iequals(n, name)) return v;
  return {};
}
inline bool has_header(const parsed_message& m, std::string_view name) {
  for (auto& [n, v] : m.headers)
    if (ascii::iequals(n, name)) return true;
  return false;
}

}  // namespace corohttp::test
