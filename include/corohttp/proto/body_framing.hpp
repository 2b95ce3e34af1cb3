// How the body of a message is delimited (RFC 9112 §6.3): what the parser finds and the
// serializer chooses.
#pragma once

#include <cstdint>

namespace corohttp {

enum class body_framing : std::uint8_t {
  none,     ///< no body (no Content-Length/Transfer-Encoding on a request; HEAD, 1xx, 204, 304)
  length,   ///< Content-Length
  chunked,  ///< Transfer-Encoding ending in chunked
  eof,      ///< read until the connection closes
};

}  // namespace corohttp
