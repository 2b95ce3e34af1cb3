// The coroutine-style twins of the spec's examples that examples/node/ also has (keep-alive agent,
// agent: false, agentRemove, CONNECT proxy, upgrade echo), compiled as one translation unit like
// examples/node/unity.cpp: each program keeps its main(), renamed run() in a namespace of its name;
// node/stub.cpp gives each its own executable.
#include <corohttp/corohttp.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <tuple>

#define main run
// clang-format off
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
