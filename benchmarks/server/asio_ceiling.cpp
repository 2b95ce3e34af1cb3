// The ceiling for the server benchmark: raw Asio with coroutines and no HTTP at all. Each connection
// reads whatever bytes arrive, counts the ends of request heads ("\r\n\r\n", also across reads) and
// answers every counted request with the same canned response, all of them in one write. Nothing is
// parsed and nothing allocated per request: what is left is the cost of the event loop and the
// system calls, which no HTTP server on Asio can go below.
//
//   asio_ceiling [--port N]     prints "listening on http://127.0.0.1:PORT" once it accepts.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace net = boost::asio;
using net::ip::tcp;

namespace {

// The same bytes hello_server sends (a fixed Date: the ceiling does no clock work).
constexpr std::string_view canned =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Date: Thu, 26 Nov 2026 09:00:00 GMT\r\n"
    "Connection: keep-alive\r\n"
    "Keep-Alive: timeout=5\r\n"
    "Content-Length: 13\r\n"
    "\r\n"
    "Hello, World!";

// Counts "\r\n\r\n" in `data`; `matched` carries how much of it ended the previous read.
std::size_t count_heads(std::string_view data, int& matched) {
  static constexpr char pattern[4] = {'\r', '\n', '\r', '\n'};
  std::size_t heads = 0;
  for (char c : data) {
    if (c == pattern[matched]) {
      if (++matched == 4) {
        ++heads;
        matched = 0;
      }
    } else {
      matched = c == '\r' ? 1 : 0;
    }
  }
  return heads;
}

net::awaitable<void> serve(tcp::socket socket) {
  std::array<char, 4096> in;
  std::string out;  // grows to the largest batch once, then is reused
  int matched = 0;
  for (;;) {
    auto [ec, n] = co_await socket.async_read_some(net::buffer(in), net::as_tuple(net::use_awaitable));
    if (ec) co_return;
    std::size_t heads = count_heads(std::string_view(in.data(), n), matched);
    if (heads == 0) continue;
    out.clear();
    for (std::size_t i = 0; i < heads; ++i) out.append(canned);
    auto [wec, w] = co_await net::async_write(socket, net::buffer(out), net::as_tuple(net::use_awaitable));
    if (wec) co_return;
  }
}

net::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(net::as_tuple(net::use_awaitable));
    if (ec == net::error::operation_aborted) co_return;
    if (ec) continue;
    socket.set_option(tcp::no_delay(true), ec);
    net::co_spawn(acceptor.get_executor(), serve(std::move(socket)), net::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  unsigned short port = 0;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) port = static_cast<unsigned short>(std::atoi(argv[++i]));
  net::io_context io(1);
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  acceptor.listen(1024);
  std::printf("listening on http://127.0.0.1:%u\n", acceptor.local_endpoint().port());
  std::fflush(stdout);
  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { io.stop(); });
  net::co_spawn(io, accept_loop(acceptor), net::detached);
  io.run();
}
