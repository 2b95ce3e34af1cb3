// The event methods of the layer's handles (server, client_request, socket): each handle shares one
// emitter state with its copies, and on(), once(), off(), emit(), listener_count() go to that state.
// on() and once() return the handle itself, so calls chain on the handle's own type:
//
//   class server : public emitter_handle<server, detail::server_state> { ... };
//   server.on("request", f).on("close", g);
#pragma once

#include <corohttp/node/event_emitter.hpp>

#include <cstddef>
#include <memory>
#include <string_view>
#include <utility>

namespace corohttp::node {

/// CRTP base: `Handle` is the derived handle, `State` its shared emitter state.
template <class Handle, class State>
class emitter_handle {
 public:
  template <class F>
  Handle& on(std::string_view event, F&& f) {
    s_->on(event, std::forward<F>(f));
    return static_cast<Handle&>(*this);
  }
  template <class F>
  Handle& once(std::string_view event, F&& f) {
    s_->once(event, std::forward<F>(f));
    return static_cast<Handle&>(*this);
  }
  template <class F>
  listener_id add_listener(std::string_view event, F&& f) {
    return s_->add_listener(event, std::forward<F>(f));
  }
  bool off(std::string_view event, listener_id id) { return s_->off(event, id); }
  bool remove_listener(std::string_view event, listener_id id) { return s_->off(event, id); }
  void remove_all_listeners(std::string_view event) { s_->remove_all_listeners(event); }
  template <class... A>
  bool emit(std::string_view event, A&&... args) {
    return s_->emit(event, std::forward<A>(args)...);
  }
  std::size_t listener_count(std::string_view event) const { return s_->listener_count(event); }

 protected:
  emitter_handle() = default;
  explicit emitter_handle(std::shared_ptr<State> s) : s_(std::move(s)) {}

  std::shared_ptr<State> s_;
};

}  // namespace corohttp::node
