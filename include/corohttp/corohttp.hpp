// corohttp: Node's http module for C++20 coroutines on Boost.Asio. Include this one header.
#pragma once

#include <corohttp/proto/ascii.hpp>
#include <corohttp/proto/headers.hpp>
#include <corohttp/proto/methods.hpp>
#include <corohttp/proto/status_codes.hpp>
