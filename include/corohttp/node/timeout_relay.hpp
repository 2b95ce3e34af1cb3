// The core's per-socket timeout hook for set_timeout() on a request or response of the layer.
//
// The core keeps the hook with the connection, after the request that set it has been answered
// (in Node the socket's timeout outlives one request, too), but the layer's request and response
// objects die with their exchange. So the hook reaches its object through a pointer that the
// object clears when it dies: while it lives, a timeout is emitted as its 'timeout' event; once it
// is gone, or when nobody listens, the socket is shut down, as Node destroys a timed-out socket
// that nobody handles.
#pragma once

#include <corohttp/io/stream.hpp>
#include <corohttp/node/event_emitter.hpp>
#include <corohttp/node/loop.hpp>

#include <boost/asio/socket_base.hpp>
#include <boost/system/error_code.hpp>

#include <functional>
#include <memory>

namespace corohttp::node::detail {

class timeout_relay {
 public:
  timeout_relay() = default;
  timeout_relay(const timeout_relay&) = delete;
  timeout_relay& operator=(const timeout_relay&) = delete;
  ~timeout_relay() {
    if (target_) *target_ = nullptr;
  }

  /// A hook for the core's set_timeout(): emits 'timeout' on `target` (the object owning this
  /// relay) while it lives. `socket` is the connection's, which owns the hook.
  std::function<void()> hook(event_emitter& target, stream_socket& socket) {
    if (!target_) target_ = std::make_shared<event_emitter*>(&target);
    return [target = target_, sock = &socket] {
      if (*target && emit_or_rethrow(**target, "timeout")) return;
      boost::system::error_code ignored;
      sock->shutdown(net::socket_base::shutdown_both, ignored);
    };
  }

 private:
  std::shared_ptr<event_emitter*> target_;
};

}  // namespace corohttp::node::detail
