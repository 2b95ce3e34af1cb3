// Helpers shared by the test suites: skipping loudly, running peer programs.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace corohttp::test {

/// Marks the running test as skipped (printed loudly; the binary exits 77 = SKIP if nothing failed).
void skip(std::string_view reason);

/// True when `program` is on PATH.
inline bool have_program(std::string_view program) {
  std::string cmd = "command -v " + std::string(program) + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

/// Runs a shell command, feeding `input` to its stdin, and returns its stdout (throws on failure).
inline std::string run_command(const std::string& command, std::string_view input = {}) {
  std::string in = (std::filesystem::temp_directory_path() / "corohttp-stdin-XXXXXX").string();
  {
    int fd = ::mkstemp(in.data());
    if (fd < 0) throw std::runtime_error("cannot create " + in);
    std::FILE* f = ::fdopen(fd, "wb");
    if (!input.empty()) std::fwrite(input.data(), 1, input.size(), f);
    std::fclose(f);
  }
  std::string full = command + " < '" + in + "'";
  std::FILE* p = ::popen(full.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run: " + command);
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = ::pclose(p);
  std::filesystem::remove(in);
  if (status != 0) throw std::runtime_error("command failed (" + std::to_string(status) + "): " + command);
  return out;
}

/// Splits on '\n', dropping one trailing empty line.
inline std::vector<std::string> lines(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    out.emplace_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

/// Directory of the test sources (set by Meson), for scripts the tests hand to peers.
inline std::filesystem::path source_dir() { return COROHTTP_TEST_SOURCE_DIR; }

}  // namespace corohttp::test
