// The one event loop of the Node-style layer: every node:: object runs on loop(), and run() runs it
// until nothing is left to do, as a Node program runs until its loop is empty.
//
// An exception a listener throws, or an "error" event nobody listens to, is Node's uncaught
// exception: it leaves run() (the loop can be run again afterwards).
#pragma once

#include <corohttp/io/stream.hpp>
#include <corohttp/node/event_emitter.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <exception>
#include <string_view>
#include <utility>

namespace corohttp::node {

/// The loop (one per process, created on first use).
inline net::io_context& loop() {
  static net::io_context io(1);
  return io;
}

/// Runs the loop until it has no more work; rethrows an uncaught exception (see above).
inline void run() {
  auto& io = loop();
  io.restart();
  io.run();
}

/// Hands an exception caught inside the loop to run()'s caller.
inline void rethrow_from_run(std::exception_ptr e) {
  if (e) net::post(loop(), [e] { std::rethrow_exception(e); });
}

namespace detail {
/// A completion for co_spawn that sends a coroutine's exception to run()'s caller (never drops it).
struct rethrow_completion {
  void operator()(std::exception_ptr e) const { rethrow_from_run(e); }
};

/// emit() from inside the loop: what it throws goes to run()'s caller, and the caller goes on.
template <class... A>
bool emit_or_rethrow(event_emitter& e, std::string_view event, A&&... args) {
  try {
    return e.emit(event, std::forward<A>(args)...);
  } catch (...) {
    rethrow_from_run(std::current_exception());
    return true;
  }
}
}  // namespace detail

}  // namespace corohttp::node
