// libFuzzer target: the response parser. The first input byte picks the configuration (which
// request the responses answer: none, HEAD, CONNECT or alternating HEAD/GET; small limits; groups
// of lenient flags; see fuzz::response_config); the rest is the bytes a server sends on one
// connection. They are parsed whole, in random pieces and byte by byte, and every way must agree
// (see fuzz_common.hpp).
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace corohttp;
  if (size == 0) return 0;
  const fuzz::config cfg = fuzz::response_config(data[0]);
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  fuzz::check_split_invariance(cfg, input, true);
  return 0;
}
