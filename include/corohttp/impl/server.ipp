// server's out-of-line members (see corohttp/config.hpp).
#pragma once

#include <corohttp/detail/server_connection.hpp>
#include <corohttp/server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace corohttp {

COROHTTP_DECL server::server(const net::any_io_executor& ex, request_handler on_request, server_options options)
    : core_(std::make_shared<detail::server_core>(ex, options)) {
  core_->on_request = std::move(on_request);
  core_->update_keep_alive_header();
}

COROHTTP_DECL server::~server() {
  close();
  close_all_connections();
}

COROHTTP_DECL awaitable<std::optional<exchange>> server::next_request() {
  auto core = core_;
  for (;;) {
    if (!core->pending.empty()) {
      exchange e = core->pending.front();
      core->pending.pop_front();
      co_return e;
    }
    if (core->closed.is_set()) co_return std::nullopt;
    core->request_ready.reset();
    co_await core->request_ready.wait();
  }
}

COROHTTP_DECL boost::system::error_code server::listen(std::uint16_t port, std::string_view host, int backlog) {
  boost::system::error_code ec;
  std::vector<net::ip::tcp::endpoint> candidates;
  if (host.empty()) {
    candidates.emplace_back(net::ip::address_v6::any(), port);
    candidates.emplace_back(net::ip::address_v4::any(), port);
  } else {
    auto addr = net::ip::make_address(std::string(host), ec);
    if (!ec) {
      candidates.emplace_back(addr, port);
    } else {
      net::ip::tcp::resolver resolver(core_->executor);
      auto results = resolver.resolve(std::string(host), std::to_string(port), ec);
      if (ec) return ec;
      for (auto& r : results) candidates.push_back(r.endpoint());
    }
  }
  for (auto& ep : candidates) {
    ec = open_acceptor(stream_endpoint(ep), backlog, ep.address().is_v6() && host.empty());
    if (!ec) return start();
  }
  return ec;
}

COROHTTP_DECL boost::system::error_code server::listen(std::string_view unix_path, int backlog) {
  auto ec =
      open_acceptor(stream_endpoint(net::local::stream_protocol::endpoint(std::string(unix_path))), backlog, false);
  return ec ? ec : start();
}

COROHTTP_DECL boost::system::error_code server::listen(native_listener handle, int backlog) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(handle.fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
    return {errno, boost::system::system_category()};
  int protocol = ss.ss_family == AF_UNIX ? 0 : IPPROTO_TCP;
  boost::system::error_code ec;
  core_->acceptor.emplace(core_->executor);
  core_->acceptor->assign(net::generic::stream_protocol(ss.ss_family, protocol), handle.fd, ec);
  if (!ec) core_->acceptor->listen(backlog, ec);
  if (ec) {
    core_->acceptor.reset();
    return ec;
  }
  return start();
}

COROHTTP_DECL server_address server::address() const {
  server_address a;
  if (!core_->acceptor) return a;
  boost::system::error_code ec;
  stream_endpoint ep = core_->acceptor->local_endpoint(ec);
  if (ec) return a;
  const sockaddr* sa = ep.data();
  if (sa->sa_family == AF_UNIX) {
    a.family = "unix";
    a.address.assign(reinterpret_cast<const sockaddr_un*>(sa)->sun_path);
  } else if (sa->sa_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    a.family = "IPv4";
    a.port = ntohs(in->sin_port);
    net::ip::address_v4::bytes_type b;
    std::memcpy(b.data(), &in->sin_addr, 4);
    a.address = net::ip::address_v4(b).to_string();
  } else if (sa->sa_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    a.family = "IPv6";
    a.port = ntohs(in6->sin6_port);
    net::ip::address_v6::bytes_type b;
    std::memcpy(b.data(), &in6->sin6_addr, 16);
    a.address = net::ip::address_v6(b).to_string();
  }
  return a;
}

COROHTTP_DECL void server::close() {
  core_->closing = true;
  if (core_->acceptor) {
    boost::system::error_code ignored;
    core_->acceptor->close(ignored);
  }
  core_->accepting = false;
  for (auto* c = core_->first; c;) {
    auto* next = c->next();
    c->begin_close();
    c = next;
  }
  core_->maybe_closed();
}

COROHTTP_DECL awaitable<void> server::closed() {
  auto core = core_;
  co_await core->closed.wait();
}

COROHTTP_DECL void server::close_idle_connections() {
  for (auto* c = core_->first; c;) {
    auto* next = c->next();
    if (c->idle()) c->terminate(error::socket_timeout);
    c = next;
  }
}

COROHTTP_DECL void server::close_all_connections() {
  for (auto* c = core_->first; c;) {
    auto* next = c->next();
    c->terminate(net::error::operation_aborted);
    c = next;
  }
}

COROHTTP_DECL void server::set_timeout(std::chrono::milliseconds ms, timeout_hook hook) {
  core_->options.timeout = ms;
  core_->on_timeout = std::move(hook);
  restart_checker();
}

COROHTTP_DECL void server::apply_options() {
  core_->update_keep_alive_header();
  restart_checker();
}

COROHTTP_DECL boost::system::error_code server::open_acceptor(const stream_endpoint& ep, int backlog,
                                                              bool dual_stack) {
  boost::system::error_code ec;
  core_->acceptor.emplace(core_->executor);
  auto& a = *core_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec && ep.protocol().family() != AF_UNIX) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec && dual_stack) a.set_option(net::ip::v6_only(false), ec);
  if (!ec && core_->options.reuse_port) {
    int one = 1;
    if (::setsockopt(a.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
      ec = {errno, boost::system::system_category()};
  }
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(backlog, ec);
  if (ec) core_->acceptor.reset();
  return ec;
}

COROHTTP_DECL boost::system::error_code server::start() {
  core_->closing = false;
  core_->closed.reset();
  core_->accepting = true;
  core_->accept_loop_running = true;
  net::co_spawn(core_->executor, accept_loop(core_), net::detached);
  restart_checker();
  return {};
}

COROHTTP_DECL void server::restart_checker() {
  if (core_->checker_running) {
    core_->checker.cancel();
    return;  // the running checker picks up the new interval
  }
  core_->checker_running = true;
  net::co_spawn(core_->executor, check_loop(core_), net::detached);
}

COROHTTP_DECL awaitable<void> server::accept_loop(std::shared_ptr<detail::server_core> core) {
  net::steady_timer backoff(core->executor);
  auto delay = std::chrono::milliseconds(10);
  while (core->acceptor && core->acceptor->is_open()) {
    auto [ec, socket] = co_await core->acceptor->async_accept(net::as_tuple(net::use_awaitable));
    if (ec == net::error::operation_aborted || !core->acceptor || !core->acceptor->is_open()) break;
    if (ec) {
      if (ec == net::error::no_descriptors || ec.value() == ENFILE || ec == net::error::no_buffer_space ||
          ec == net::error::no_memory) {
        backoff.expires_after(delay);
        co_await backoff.async_wait(net::as_tuple(net::use_awaitable));
        delay = std::min(delay * 2, std::chrono::milliseconds(1000));
      }
      continue;
    }
    delay = std::chrono::milliseconds(10);
    boost::system::error_code ignored;
    socket.non_blocking(true, ignored);
    if (core->options.no_delay && socket.local_endpoint(ignored).protocol().family() != AF_UNIX)
      socket.set_option(net::ip::tcp::no_delay(true), ignored);
    detail::spawn_connection(core, std::move(socket));
  }
  core->accept_loop_running = false;
  core->accepting = false;
  core->maybe_closed();
}

COROHTTP_DECL awaitable<void> server::check_loop(std::shared_ptr<detail::server_core> core) {
  for (;;) {
    core->checker.expires_after(core->check_interval());
    auto [ec] = co_await core->checker.async_wait(net::as_tuple(net::use_awaitable));
    if (core->closed.is_set()) break;
    if (ec && ec != net::error::operation_aborted) break;
    core->now = std::chrono::steady_clock::now();
    for (auto* c = core->first; c;) {
      auto* next = c->next();
      c->check_deadlines(core->now);
      c = next;
    }
    if (!core->accepting && core->connection_count == 0) break;
  }
  core->checker_running = false;
}

}  // namespace corohttp
