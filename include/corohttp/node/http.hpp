// corohttp's Node-style event layer: `require('http')` for C++. Include this one header.
//
//   namespace node = corohttp::node;
//   auto server = node::create_server([](node::incoming_message&, node::server_response& res) {
//     res.end("Hello, World!");
//   });
//   server.listen(8080);
//   node::run();
//
// Built only on the coroutine API (corohttp/corohttp.hpp): it adds events, no protocol logic.
#pragma once

#include <corohttp/node/client_request.hpp>
#include <corohttp/node/event_emitter.hpp>
#include <corohttp/node/incoming_message.hpp>
#include <corohttp/node/loop.hpp>
#include <corohttp/node/server.hpp>
#include <corohttp/node/server_response.hpp>
#include <corohttp/node/socket.hpp>
#include <corohttp/proto/methods.hpp>
#include <corohttp/proto/status_codes.hpp>
