// client_request's out-of-line members (see corohttp/config.hpp).
#pragma once

#include <corohttp/client_request.hpp>
#include <corohttp/detail/client_exchange.hpp>

namespace corohttp {

namespace detail {
COROHTTP_DECL exchange_ref::exchange_ref(client_exchange* x) noexcept : x_(x) {
  if (x_) ++x_->refs_;
}
COROHTTP_DECL exchange_ref::~exchange_ref() {
  if (x_ && --x_->refs_ == 0) x_->last_ref_gone();
}
}  // namespace detail

COROHTTP_DECL client_request& client_request::operator=(client_request&& o) noexcept {
  if (x_ && x_ != o.x_) x_->abandon();
  x_ = std::move(o.x_);
  init_error_ = o.init_error_;
  return *this;
}

COROHTTP_DECL client_request::~client_request() {
  if (x_) x_->abandon();
}

COROHTTP_DECL boost::system::error_code client_request::set_header(std::string_view name, std::string_view value) {
  if (x_->head_sent()) return error::headers_sent;
  return x_->headers().set(name, value);
}

COROHTTP_DECL boost::system::error_code client_request::set_header(std::string_view name,
                                                                   std::initializer_list<std::string_view> values) {
  if (x_->head_sent()) return error::headers_sent;
  return x_->headers().set(name, values);
}

COROHTTP_DECL boost::system::error_code client_request::remove_header(std::string_view name) {
  if (x_->head_sent()) return error::headers_sent;
  x_->headers().remove(name);
  return {};
}

COROHTTP_DECL void client_request::remove_from_agent() {
  if (x_) x_->remove_from_agent();
}

COROHTTP_DECL awaitable<boost::system::error_code> client_request::flush_headers() {
  return x_->flush_headers(init_error_);
}

COROHTTP_DECL awaitable<boost::system::error_code> client_request::write(std::string_view data) {
  return x_->write(data, init_error_);
}

COROHTTP_DECL awaitable<boost::system::error_code> client_request::end(std::string_view data) {
  return x_->end(data, init_error_);
}

COROHTTP_DECL void client_request::abort() {
  if (x_) x_->abort();
}

COROHTTP_DECL awaitable<response_result> client_request::response() { return x_->response(init_error_); }

COROHTTP_DECL awaitable<boost::system::error_code> client_request::wait_socket() {
  if (init_error_) co_return init_error_;
  co_return co_await x_->socket_event();
}

COROHTTP_DECL awaitable<boost::system::error_code> client_request::wait_continue() {
  return x_->continue_event(init_error_);
}

COROHTTP_DECL awaitable<upgrade_result> client_request::upgrade() {
  if (init_error_) co_return upgrade_result{init_error_, nullptr, std::nullopt, {}};
  co_return co_await x_->take_over();
}

COROHTTP_DECL void client_request::set_timeout(std::chrono::milliseconds ms) { x_->set_timeout(ms); }

COROHTTP_DECL void client_request::set_no_delay(bool on) { x_->set_no_delay(on); }

COROHTTP_DECL void client_request::set_socket_keep_alive(bool on, std::chrono::milliseconds initial_delay) {
  x_->set_socket_keep_alive(on, initial_delay);
}

COROHTTP_DECL std::optional<std::string_view> client_request::get_header(std::string_view name) const {
  return x_->headers().get(name);
}

COROHTTP_DECL bool client_request::has_header(std::string_view name) const { return x_->headers().has(name); }

COROHTTP_DECL std::vector<std::string> client_request::get_header_names() const { return x_->headers().names(); }

COROHTTP_DECL bool client_request::headers_sent() const { return x_->head_sent(); }

COROHTTP_DECL std::string_view client_request::method() const { return x_->options().method; }

COROHTTP_DECL std::string_view client_request::path() const { return x_->options().path; }

COROHTTP_DECL std::string_view client_request::host() const {
  return x_->options().hostname.empty() ? x_->options().host : x_->options().hostname;
}

COROHTTP_DECL std::string_view client_request::protocol() const { return x_->options().protocol; }

COROHTTP_DECL bool client_request::reused_socket() const { return x_->reused_socket(); }

COROHTTP_DECL stream_socket& client_request::socket() { return x_->socket(); }

}  // namespace corohttp
