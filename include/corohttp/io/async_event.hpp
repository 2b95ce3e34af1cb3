// A one-shot (resettable) event a coroutine can await: how corohttp turns Node's one-shot events
// ('finish', 'close', 'response'...) into awaitables. Built on a timer that never expires by itself.
#pragma once

#include <corohttp/io/stream.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace corohttp::detail {

class async_event {
 public:
  explicit async_event(const net::any_io_executor& ex) : timer_(ex, net::steady_timer::time_point::max()) {}

  bool is_set() const noexcept { return set_; }

  /// Wakes every waiter, now and later (until reset()).
  void set() noexcept {
    set_ = true;
    timer_.cancel();
  }
  void reset() noexcept { set_ = false; }

  /// Completes once set() has been called. Cancelling the awaiting coroutine ends the wait early.
  awaitable<void> wait() {
    while (!set_) {
      auto [ec] = co_await timer_.async_wait(net::as_tuple(net::use_awaitable));
      if (!set_ && ec != net::error::operation_aborted) continue;
      if (!set_) co_return;  // cancelled from outside
    }
  }

 private:
  net::steady_timer timer_;
  bool set_ = false;
};

}  // namespace corohttp::detail
