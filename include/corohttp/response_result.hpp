// What a client_request's response() and upgrade() yield.
#pragma once

#include <corohttp/incoming_message.hpp>
#include <corohttp/io/stream.hpp>

#include <optional>
#include <string>

namespace corohttp {

/// What response() yields: the response (valid while the client_request lives), or an error.
struct response_result {
  boost::system::error_code ec;
  incoming_message* response = nullptr;
  explicit operator bool() const noexcept { return !ec && response; }
  incoming_message* operator->() const noexcept { return response; }
  incoming_message& operator*() const noexcept { return *response; }
};

/// What upgrade() and connect() yield: the 101 (or 2xx to CONNECT) response, the socket, now the
/// caller's, and the bytes the server sent after the head.
struct upgrade_result {
  boost::system::error_code ec;
  incoming_message* response = nullptr;
  std::optional<stream_socket> socket;
  std::string head;
};

}  // namespace corohttp
