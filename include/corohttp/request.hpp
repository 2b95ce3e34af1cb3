// Node's http.request() and http.get().
//
//   auto req = corohttp::get(ex, "http://127.0.0.1:8080/");
//   auto res = co_await req.response();
//   if (res) std::string body = co_await res->body();
#pragma once

#include <corohttp/config.hpp>
#include <corohttp/client_request.hpp>
#include <corohttp/request_options.hpp>

#include <memory>
#include <string_view>

namespace corohttp {

/// A request with `options` on the io_context of `ex`. Its socket is requested from the agent at
/// once; nothing is written until write(), end() or flush_headers().
COROHTTP_DECL client_request request(const net::any_io_executor& ex, request_options options);

/// A request to `url` ("http://host:port/path"); `options` supplies the rest (method, headers...).
COROHTTP_DECL client_request request(const net::any_io_executor& ex, std::string_view url, request_options options = {});

/// Node's http.get(): a GET request, already ended.
COROHTTP_DECL client_request get(const net::any_io_executor& ex, request_options options);
COROHTTP_DECL client_request get(const net::any_io_executor& ex, std::string_view url, request_options options = {});

}  // namespace corohttp

#if !defined(COROHTTP_SEPARATE_COMPILATION)
#include <corohttp/impl/request.ipp>
#endif
