// corohttp: Node's http module for C++20 coroutines on Boost.Asio. Include this one header.
#pragma once

#include <corohttp/proto/ascii.hpp>
#include <corohttp/proto/headers.hpp>
#include <corohttp/proto/methods.hpp>
#include <corohttp/proto/status_codes.hpp>
#include <corohttp/proto/body_framing.hpp>
#include <corohttp/proto/error.hpp>
#include <corohttp/proto/http_date.hpp>
#include <corohttp/proto/parser.hpp>
#include <corohttp/proto/serializer.hpp>
#include <corohttp/proto/outgoing_headers.hpp>
#include <corohttp/proto/request_rules.hpp>
#include <corohttp/incoming_message.hpp>
#include <corohttp/server.hpp>
#include <corohttp/server_options.hpp>
#include <corohttp/server_response.hpp>
#include <corohttp/agent.hpp>
#include <corohttp/client_request.hpp>
#include <corohttp/request.hpp>
#include <corohttp/request_options.hpp>
