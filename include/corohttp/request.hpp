// Node's http.request() and http.get().
//
//   auto req = corohttp::get(ex, "http://127.0.0.1:8080/");
//   auto res = co_await req.response();
//   if (res) std::string body = co_await res->body();
#pragma once

#include <corohttp/client_request.hpp>
#include <corohttp/request_options.hpp>

#include <memory>
#include <string_view>

namespace corohttp {

/// A request with `options` on the io_context of `ex`. Its socket is requested from the agent at
/// once; nothing is written until write(), end() or flush_headers().
inline client_request request(const net::any_io_executor& ex, request_options options) {
  auto x = detail::client_exchange::make(ex, std::move(options));
  if (auto ec = x->init()) return client_request(std::move(x), ec);
  x->start();
  return client_request(std::move(x));
}

/// A request to `url` ("http://host:port/path"); `options` supplies the rest (method, headers...).
inline client_request request(const net::any_io_executor& ex, std::string_view url, request_options options = {}) {
  if (auto ec = parse_url(url, options)) {
    return client_request(detail::exchange_ref(new detail::client_exchange(ex, std::move(options))), ec);
  }
  return request(ex, std::move(options));
}

/// Node's http.get(): a GET request, already ended.
inline client_request get(const net::any_io_executor& ex, request_options options) {
  options.method = "GET";
  return request(ex, std::move(options));  // response() ends it, as http.get's req.end()
}
inline client_request get(const net::any_io_executor& ex, std::string_view url, request_options options = {}) {
  options.method = "GET";
  return request(ex, url, std::move(options));
}

}  // namespace corohttp
