// The compiled part of corohttp: include this from exactly one .cpp of a program built with
// COROHTTP_SEPARATE_COMPILATION defined everywhere (see corohttp/config.hpp). Meson's
// -Dseparate_compilation=true does that and builds it as libcorohttp.
#pragma once

#if !defined(COROHTTP_SEPARATE_COMPILATION)
#error "corohttp/src.hpp is for separate compilation: define COROHTTP_SEPARATE_COMPILATION in every translation unit"
#endif

#include <corohttp/impl/agent.ipp>
#include <corohttp/impl/client_request.ipp>
#include <corohttp/impl/incoming_message.ipp>
#include <corohttp/impl/request.ipp>
#include <corohttp/impl/server.ipp>
#include <corohttp/impl/server_response.ipp>
