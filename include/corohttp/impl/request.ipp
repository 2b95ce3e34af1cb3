// request() and get(), out of line (see corohttp/config.hpp).
#pragma once

#include <corohttp/detail/client_exchange.hpp>
#include <corohttp/request.hpp>

namespace corohttp {

COROHTTP_DECL client_request request(const net::any_io_executor& ex, request_options options) {
  auto x = detail::client_exchange::make(ex, std::move(options));
  if (auto ec = x->init()) return client_request(std::move(x), ec);
  x->start();
  return client_request(std::move(x));
}

COROHTTP_DECL client_request request(const net::any_io_executor& ex, std::string_view url, request_options options) {
  if (auto ec = parse_url(url, options)) {
    return client_request(detail::exchange_ref(new detail::client_exchange(ex, std::move(options))), ec);
  }
  return request(ex, std::move(options));
}

COROHTTP_DECL client_request get(const net::any_io_executor& ex, request_options options) {
  options.method = "GET";
  return request(ex, std::move(options));  // response() ends it, as http.get's req.end()
}
COROHTTP_DECL client_request get(const net::any_io_executor& ex, std::string_view url, request_options options) {
  options.method = "GET";
  return request(ex, url, std::move(options));
}

}  // namespace corohttp
