// Catch2 runner shared by every test binary. A test that cannot run here (a peer program is
// missing) calls corohttp::test::skip(); when nothing failed the binary then exits 77, which Meson
// reports as SKIP, so a skip is never counted as a pass.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "test_support.hpp"

#include <atomic>
#include <cstdio>

namespace corohttp::test {
namespace {
std::atomic<int> skips{0};
}
void skip(std::string_view reason) {
  ++skips;
  std::fprintf(stderr, "\n*** SKIPPED: %.*s ***\n\n", static_cast<int>(reason.size()), reason.data());
  WARN("SKIPPED: " << reason);
}
}  // namespace corohttp::test

int main(int argc, char* argv[]) {
  int failed = Catch::Session().run(argc, argv);
  if (failed == 0 && corohttp::test::skips > 0) return 77;
  return failed;
}
