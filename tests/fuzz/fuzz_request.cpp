// libFuzzer target: the request parser. The input is the bytes a client sends on one connection.
// It is parsed in strict mode (the default options) whole, in random pieces, and byte by byte, and
// again with every lenient flag and small limits (whole and in random pieces); every way must agree
// (see fuzz_common.hpp).
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace corohttp;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  fuzz::config strict;
  strict.type = message_type::request;
  strict.name = "request, strict";
  fuzz::check_split_invariance(strict, input, true);

  fuzz::config lenient;
  lenient.type = message_type::request;
  lenient.options = fuzz::small_limits({});
  lenient.options.lenient = lenient_all;
  lenient.name = "request, lenient_all, small limits";
  fuzz::check_split_invariance(lenient, input, false);
  return 0;
}
