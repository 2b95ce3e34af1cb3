// How corohttp is compiled: header-only (the default) or with a compiled part.
//
// Header-only, every function is defined in the headers, and a program needs nothing but
// `-std=c++20 -pthread` and the include path. The price is compile time: each translation unit
// that starts a server or a request compiles the connection machinery again.
//
// With COROHTTP_SEPARATE_COMPILATION defined in every translation unit, the headers declare the
// entry points of server, server_response, incoming_message, client_request, agent and
// request() without their bodies, and exactly one .cpp of the program defines them all:
//
//   // corohttp.cpp, compiled once (Meson: -Dseparate_compilation=true builds it as libcorohttp)
//   #include <corohttp/src.hpp>
//
// A user's translation unit then compiles only its own code (see benchmarks/compile/).
#pragma once

#if defined(COROHTTP_SEPARATE_COMPILATION)
#define COROHTTP_DECL
#else
#define COROHTTP_DECL inline
#endif
