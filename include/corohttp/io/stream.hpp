// The transport types every corohttp connection uses: one socket type for TCP and UNIX-domain
// streams (Asio's generic stream protocol), so that servers and clients are not templates.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/socket_base.hpp>

namespace corohttp {

namespace net = boost::asio;

/// A connected stream socket: TCP (IPv4/IPv6) or a UNIX-domain socket.
using stream_socket = net::generic::stream_protocol::socket;
using stream_endpoint = net::generic::stream_protocol::endpoint;
using stream_acceptor = net::basic_socket_acceptor<net::generic::stream_protocol>;

/// Every corohttp coroutine is an Asio awaitable.
template <class T = void>
using awaitable = net::awaitable<T>;

}  // namespace corohttp
