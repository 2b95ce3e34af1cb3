// Node's EventEmitter with typed listeners: on(), once(), off(), emit(), listener_count().
//
//   emitter.on("request", [](node::incoming_message& req, node::server_response& res) { ... });
//   emitter.emit("request", req, res);
//
// A listener is any callable with fixed parameter types (no `auto` parameters); it is stored
// type-erased together with its parameter types. A listener may take fewer parameters than an event
// carries (as a JavaScript function ignores trailing arguments). Classes declare the signature of
// their events, so a listener of the wrong signature is refused when it is added (on() throws
// std::invalid_argument naming both signatures), never called with the wrong arguments. Listeners
// run in the order they were added; those added or removed during an emit() take effect from the
// next one. An "error" emitted with no listener is thrown from emit(), as Node throws it.
#pragma once

#include <boost/system/system_error.hpp>

#include <cxxabi.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeindex>
#include <typeinfo>
#include <utility>
#include <vector>

namespace corohttp::node {

/// What add_listener() returns, to remove that listener later (C++ lambdas cannot be compared).
using listener_id = std::uint64_t;

namespace detail {

template <class... A>
struct type_list {};

// The parameter list of a callable with one, non-template call operator (or a function pointer).
template <class F>
struct callable_params : callable_params<decltype(&F::operator())> {};
template <class R, class... A>
struct callable_params<R (*)(A...)> { using type = type_list<A...>; };
template <class C, class R, class... A>
struct callable_params<R (C::*)(A...)> { using type = type_list<A...>; };
template <class C, class R, class... A>
struct callable_params<R (C::*)(A...) const> { using type = type_list<A...>; };
template <class C, class R, class... A>
struct callable_params<R (C::*)(A...) noexcept> { using type = type_list<A...>; };
template <class C, class R, class... A>
struct callable_params<R (C::*)(A...) const noexcept> { using type = type_list<A...>; };

template <class F, class = void>
struct has_fixed_params : std::false_type {};
template <class F>
struct has_fixed_params<F, std::void_t<decltype(&F::operator())>> : std::true_type {};
template <class R, class... A>
struct has_fixed_params<R (*)(A...), void> : std::true_type {};

inline std::string type_name(const std::type_index& t) {
  int status = 0;
  char* s = abi::__cxa_demangle(t.name(), nullptr, nullptr, &status);
  std::string out = status == 0 && s ? s : t.name();
  std::free(s);
  return out;
}

inline std::string signature_text(const std::vector<std::type_index>& types) {
  std::string s = "(";
  for (std::size_t i = 0; i < types.size(); ++i) s += (i ? ", " : "") + type_name(types[i]);
  return s + ")";
}

struct listener {
  listener_id id = 0;
  bool once = false;
  bool removed = false;
  std::vector<std::type_index> params;  // without references and cv
  std::function<void(void* const*)> call;
};

template <class F, class... P, std::size_t... I>
void invoke_with(F& f, void* const* args, std::index_sequence<I...>) {
  f(*static_cast<std::remove_cvref_t<P>*>(args[I])...);
}

template <class F, class... P>
std::shared_ptr<listener> make_listener(F&& f, type_list<P...>) {
  auto l = std::make_shared<listener>();
  l->params = {std::type_index(typeid(std::remove_cvref_t<P>))...};
  l->call = [fn = std::forward<F>(f)](void* const* args) mutable {
    invoke_with<std::decay_t<F>, P...>(fn, args, std::index_sequence_for<P...>{});
  };
  return l;
}

}  // namespace detail

/// The emitter. Derived classes call declare<Args...>("event") for each event they emit.
class event_emitter {
 public:
  event_emitter() = default;
  event_emitter(const event_emitter&) = delete;
  event_emitter& operator=(const event_emitter&) = delete;
  virtual ~event_emitter() = default;

  /// Node's addListener(): adds `f` at the end; returns its id for off().
  template <class F>
  listener_id add_listener(std::string_view event, F&& f) {
    return add(event, std::forward<F>(f), false);
  }
  /// Node's once(): removed before its first call.
  template <class F>
  listener_id add_once_listener(std::string_view event, F&& f) {
    return add(event, std::forward<F>(f), true);
  }
  template <class F>
  event_emitter& on(std::string_view event, F&& f) {
    add(event, std::forward<F>(f), false);
    return *this;
  }
  template <class F>
  event_emitter& once(std::string_view event, F&& f) {
    add(event, std::forward<F>(f), true);
    return *this;
  }

  /// Node's removeListener()/off(): false when no such listener.
  bool remove_listener(std::string_view event, listener_id id) {
    auto it = listeners_.find(event);
    if (it == listeners_.end()) return false;
    auto& v = it->second;
    auto l = std::find_if(v.begin(), v.end(), [&](const auto& p) { return p->id == id; });
    if (l == v.end()) return false;
    (*l)->removed = true;
    v.erase(l);
    return true;
  }
  bool off(std::string_view event, listener_id id) { return remove_listener(event, id); }

  /// Node's removeAllListeners([event]).
  void remove_all_listeners(std::string_view event) {
    auto it = listeners_.find(event);
    if (it == listeners_.end()) return;
    for (auto& l : it->second) l->removed = true;
    listeners_.erase(it);
  }
  void remove_all_listeners() {
    for (auto& [name, v] : listeners_)
      for (auto& l : v) l->removed = true;
    listeners_.clear();
  }

  std::size_t listener_count(std::string_view event) const {
    auto it = listeners_.find(event);
    return it == listeners_.end() ? 0 : it->second.size();
  }

  /// Calls the listeners of `event` with `args`, in order; false when there was none. An "error"
  /// without listener is thrown: a boost::system::system_error for an error_code, the exception
  /// itself for an exception_ptr. A listener's exception propagates to the caller.
  template <class... A>
  bool emit(std::string_view event, A&&... args) {
    auto it = listeners_.find(event);
    if (it == listeners_.end() || it->second.empty()) {
      if (event == "error") throw_unhandled(args...);
      return false;
    }
    const std::vector<std::type_index> types{std::type_index(typeid(std::remove_cvref_t<A>))...};
    void* const ptrs[sizeof...(A) + 1] = {const_cast<void*>(static_cast<const void*>(std::addressof(args)))..., nullptr};
    auto snapshot = it->second;  // listeners added or removed meanwhile count from the next emit
    for (auto& l : snapshot) {
      if (l->removed) continue;
      check(event, *l, types);
      if (l->once) remove_listener(event, l->id);
      l->call(ptrs);
    }
    return true;
  }

 protected:
  /// Fixes the argument types of `event`: listeners must take a prefix of them.
  template <class... A>
  void declare(std::string_view event) {
    declared_[std::string(event)] = {std::type_index(typeid(std::remove_cvref_t<A>))...};
  }
  /// Called after a listener was added (Node's 'newListener'), e.g. to start a flowing stream.
  virtual void listener_added(std::string_view) {}

 private:
  template <class F>
  listener_id add(std::string_view event, F&& f, bool once) {
    using fn = std::decay_t<F>;
    static_assert(detail::has_fixed_params<fn>::value,
                  "corohttp::node: a listener needs explicit parameter types (no `auto` parameters)");
    auto l = detail::make_listener(std::forward<F>(f), typename detail::callable_params<fn>::type{});
    l->once = once;
    l->id = ++next_id_;
    if (auto d = declared_.find(event); d != declared_.end()) {
      if (!prefix_of(l->params, d->second))
        throw std::invalid_argument("corohttp::node: a '" + std::string(event) + "' listener takes a prefix of " +
                                    detail::signature_text(d->second) + ", not " + detail::signature_text(l->params));
    }
    listeners_[std::string(event)].push_back(l);
    listener_added(event);
    return l->id;
  }

  static bool prefix_of(const std::vector<std::type_index>& params, const std::vector<std::type_index>& args) {
    return params.size() <= args.size() && std::equal(params.begin(), params.end(), args.begin());
  }

  static void check(std::string_view event, const detail::listener& l, const std::vector<std::type_index>& types) {
    if (!prefix_of(l.params, types))
      throw std::invalid_argument("corohttp::node: '" + std::string(event) + "' emitted with " +
                                  detail::signature_text(types) + " to a listener taking " +
                                  detail::signature_text(l.params));
  }

  [[noreturn]] static void throw_unhandled() { throw std::runtime_error("Unhandled 'error' event"); }
  template <class E, class... Rest>
  [[noreturn]] static void throw_unhandled(const E& e, const Rest&...) {
    if constexpr (std::is_convertible_v<E, boost::system::error_code>)
      throw boost::system::system_error(e);
    else if constexpr (std::is_same_v<E, std::exception_ptr>)
      std::rethrow_exception(e);
    else if constexpr (std::is_base_of_v<std::exception, E>)
      throw e;
    else
      throw_unhandled();
  }

  std::map<std::string, std::vector<std::shared_ptr<detail::listener>>, std::less<>> listeners_;
  std::map<std::string, std::vector<std::type_index>, std::less<>> declared_;
  listener_id next_id_ = 0;
};

}  // namespace corohttp::node
