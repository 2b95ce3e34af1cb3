// The counted handle by which a client_request and its coroutines hold their client_exchange
// (detail/client_exchange.hpp). Its constructor and destructor are in impl/client_request.ipp.
#pragma once

#include <utility>

namespace corohttp::detail {

class client_exchange;

/// A counted reference to a client_exchange. The client_request and every coroutine working for it
/// hold one; when the last goes, the exchange goes back to its agent for the next request.
class exchange_ref {
 public:
  exchange_ref() noexcept = default;
  explicit exchange_ref(client_exchange* x) noexcept;
  exchange_ref(const exchange_ref& o) noexcept : exchange_ref(o.x_) {}
  exchange_ref(exchange_ref&& o) noexcept : x_(std::exchange(o.x_, nullptr)) {}
  exchange_ref& operator=(exchange_ref o) noexcept {
    std::swap(x_, o.x_);
    return *this;
  }
  ~exchange_ref();
  client_exchange* operator->() const noexcept { return x_; }
  client_exchange* get() const noexcept { return x_; }
  explicit operator bool() const noexcept { return x_ != nullptr; }
  friend bool operator==(const exchange_ref& a, const exchange_ref& b) noexcept { return a.x_ == b.x_; }

 private:
  client_exchange* x_ = nullptr;
};

}  // namespace corohttp::detail
