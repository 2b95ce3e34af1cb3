// Every program of examples/node/ in one translation unit, so that Asio and the event layer are
// compiled once rather than once per program. Each program keeps its own main(), renamed run() in
// a namespace of its name here; stub.cpp gives each its own executable (see meson.build). The
// headers the programs use come first, so their own #includes inside the namespaces are no-ops.
#include <corohttp/node/http.hpp>

#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

#include "../common/json.hpp"
#include "cli.hpp"

#define main run
// clang-format off
namespace hello_server {
#include "hello_server.cpp"
}
namespace trailers_server {
#include "trailers_server.cpp"
}
namespace post_form {
#include "post_form.cpp"
}
namespace http_get {
#include "http_get.cpp"
}
namespace keepalive_agent {
#include "keepalive_agent.cpp"
}
namespace agent_false {
#include "agent_false.cpp"
}
namespace agent_remove {
#include "agent_remove.cpp"
}
namespace connect_proxy {
#include "connect_proxy.cpp"
}
namespace upgrade_echo {
#include "upgrade_echo.cpp"
}
// clang-format on
#undef main
