// Shared by the libFuzzer targets of the sans-IO parser (fuzz_request.cpp, fuzz_response.cpp).
//
// Each input is parsed whole, then again fed in pieces cut at points derived from the input itself
// (a hash seeds the cuts; short inputs are also fed byte by byte), and every way must agree with
// the whole one: the same accept/reject decision, the same messages field by field, the same
// upgrade offset and the same number of bytes consumed. finish() ends every run. Along the way
// each step is checked against the parser's contract (views inside the bytes of the call that
// returned them, body spans inside the input, no message after one that closed the connection...).
// Any violation prints both outcomes and traps, which libFuzzer reports as a crash.
//
// Split runs copy the unconsumed bytes into a fresh, exactly sized heap buffer for every parse()
// call, so AddressSanitizer catches a read past the end of a call's input or through a stale view.
#pragma once

#include <corohttp/proto/parser.hpp>

#include "parse_driver.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corohttp::fuzz {

/// Which request each response answers (responses only).
enum class answer : std::uint8_t {
  none,       ///< a GET: the headers decide the body
  head,       ///< a HEAD: no body whatever the headers say
  connect,    ///< a CONNECT: a 2xx starts a tunnel
  alternate,  ///< HEAD, GET, HEAD, ... by the count of messages completed so far
};

struct config {
  message_type type = message_type::request;
  parser_options options{};
  answer to = answer::none;
  const char* name = "";
};

/// Small limits, so the overflow paths are reachable with short inputs.
inline parser_options small_limits(parser_options o) {
  o.max_header_size = 1024;
  o.max_headers_count = 8;
  o.max_chunk_extensions_size = 32;
  return o;
}

/// The response target's first byte (tests/fuzz/make_corpus.py writes it for the seeds):
///   bits 0-1  answer: 0 none, 1 HEAD, 2 CONNECT, 3 alternate HEAD/GET
///   bit 2     small limits
///   bit 3     lenient_headers
///   bit 4     lenient_chunked_length | lenient_transfer_encoding | lenient_version
///   bit 5     lenient_keep_alive
///   bit 6     lenient_data_after_close | lenient_optional_cr_before_lf
///   bit 7     lenient_spaces_after_chunk_size | lenient_optional_crlf_after_chunk
inline config response_config(std::uint8_t b) {
  config c;
  c.type = message_type::response;
  c.to = static_cast<answer>(b & 3);
  if (b & 0x04) c.options = small_limits(c.options);
  std::uint16_t f = 0;
  if (b & 0x08) f |= lenient_headers;
  if (b & 0x10) f |= lenient_chunked_length | lenient_transfer_encoding | lenient_version;
  if (b & 0x20) f |= lenient_keep_alive;
  if (b & 0x40) f |= lenient_data_after_close | lenient_optional_cr_before_lf;
  if (b & 0x80) f |= lenient_spaces_after_chunk_size | lenient_optional_crlf_after_chunk;
  c.options.lenient = f;
  c.name = "response";
  return c;
}

using message = test::parsed_message;

struct outcome {
  test::parse_outcome parsed;  // every message whose head was seen (the last maybe partial), bytes consumed...
  bool rejected = false;       // an error step (from parse() or finish())
  // Bytes consumed before an error may differ (a split run consumes the chunk framing it scanned
  // at each need_more; a whole run fails before consuming it) and do not matter: the connection
  // is dropped. Everything else must be equal.
  friend bool operator==(const outcome& a, const outcome& b) {
    return a.parsed.messages == b.parsed.messages && a.rejected == b.rejected &&
           a.parsed.upgraded == b.parsed.upgraded && a.parsed.upgrade_offset == b.parsed.upgrade_offset &&
           (a.rejected || a.parsed.consumed == b.parsed.consumed);
  }
};

// --- reporting ----------------------------------------------------------------------------------

inline void print_bytes(std::string_view s, std::size_t limit = 200) {
  std::fputc('"', stderr);
  for (std::size_t i = 0; i < s.size() && i < limit; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '\r') std::fputs("\\r", stderr);
    else if (c == '\n') std::fputs("\\n", stderr);
    else if (c == '\t') std::fputs("\\t", stderr);
    else if (c == '"' || c == '\\') std::fprintf(stderr, "\\%c", c);
    else if (c < 0x20 || c >= 0x7f) std::fprintf(stderr, "\\x%02x", c);
    else std::fputc(c, stderr);
  }
  if (s.size() > limit) std::fprintf(stderr, "...(%zu bytes)", s.size());
  std::fputc('"', stderr);
}

inline void print_outcome(const char* label, const outcome& o) {
  std::fprintf(stderr, "  %s: rejected=%d upgraded=%d upgrade_offset=%zu consumed=%zu messages=%zu\n", label,
               o.rejected, o.parsed.upgraded, o.parsed.upgrade_offset, o.parsed.consumed, o.parsed.messages.size());
  for (std::size_t i = 0; i < o.parsed.messages.size(); ++i) {
    const message& m = o.parsed.messages[i];
    std::fprintf(stderr, "    [%zu] ", i);
    print_bytes(m.method);
    std::fputc(' ', stderr);
    print_bytes(m.url);
    std::fprintf(stderr, " %d ", m.status);
    print_bytes(m.reason);
    std::fprintf(stderr, " HTTP/%d.%d framing=%d cl=%llu upgrade=%d keep_alive=%d expect_continue=%d complete=%d\n",
                 m.version_major, m.version_minor, static_cast<int>(m.framing),
                 static_cast<unsigned long long>(m.content_length), m.upgrade, m.keep_alive, m.expect_continue,
                 m.complete);
    for (auto& [n, v] : m.headers) {
      std::fputs("      H ", stderr);
      print_bytes(n);
      std::fputs(": ", stderr);
      print_bytes(v);
      std::fputc('\n', stderr);
    }
    std::fputs("      body ", stderr);
    print_bytes(m.body);
    std::fputc('\n', stderr);
    for (auto& [n, v] : m.trailers) {
      std::fputs("      T ", stderr);
      print_bytes(n);
      std::fputs(": ", stderr);
      print_bytes(v);
      std::fputc('\n', stderr);
    }
  }
}

[[noreturn]] inline void violated(const config& cfg, const char* what, std::string_view input,
                                  const std::vector<std::size_t>* cuts = nullptr, const outcome* whole = nullptr,
                                  const outcome* split = nullptr) {
  std::fprintf(stderr, "\n*** corohttp fuzz invariant violated (%s, lenient=0x%x, answer=%d): %s\n", cfg.name,
               cfg.options.lenient, static_cast<int>(cfg.to), what);
  std::fputs("  input ", stderr);
  print_bytes(input, 4096);
  std::fputc('\n', stderr);
  if (cuts) {
    std::fputs("  cuts:", stderr);
    for (std::size_t c : *cuts) std::fprintf(stderr, " %zu", c);
    std::fputc('\n', stderr);
  }
  if (whole) print_outcome("whole", *whole);
  if (split) print_outcome("split", *split);
  std::fflush(stderr);
  __builtin_trap();
}

// --- one run ------------------------------------------------------------------------------------

/// Feeds `input` to a fresh parser (test::feed): whole when `cuts` is null, else cut at the (sorted)
/// offsets in `*cuts`, each parse() reading an exactly sized copy. With `eager`, the next piece is
/// appended after every step (the contract allows presenting more bytes at any time), not only
/// after need_more. Ends with finish(). Every step is checked against the parser's contract.
class runner {
 public:
  runner(const config& cfg, std::string_view input) : cfg_(cfg), input_(input), p_(cfg.type, cfg.options) {}

  outcome run(const std::vector<std::size_t>* cuts, bool eager) {
    cuts_ = cuts;
    test::feed_plan plan;
    if (cuts) plan.cuts = *cuts;
    plan.eof = true;
    plan.eager = eager;
    plan.exact_copies = cuts != nullptr;
    plan.before_parse = [this](parser&) { prepare(); };
    plan.on_step = [this](const parser::step& s, std::string_view given, const test::parse_outcome& so_far) {
      check_step(s, given, so_far);
    };
    out_.parsed = test::feed(p_, input_, plan);
    live_ = nullptr;
    out_.rejected = static_cast<bool>(out_.parsed.ec);
    end();
    return out_;
  }

 private:
  [[noreturn]] void bad(const char* what) {
    if (live_) out_.parsed = *live_;
    violated(cfg_, what, input_, cuts_, nullptr, &out_);
  }
  void check(bool ok, const char* what) {
    if (!ok) bad(what);
  }

  static bool inside(std::string_view v, const char* begin, const char* end) {
    return v.data() >= begin && v.data() <= end && v.size() <= static_cast<std::size_t>(end - v.data());
  }

  void prepare() {
    if (cfg_.type != message_type::response || !p_.between_messages()) return;
    switch (cfg_.to) {
      case answer::none: break;
      case answer::head: p_.expect_response_to(method::head); break;
      case answer::connect: p_.expect_response_to(method::connect); break;
      case answer::alternate: p_.expect_response_to(p_.messages() % 2 == 0 ? method::head : method::get); break;
    }
  }

  // A step before feed() records it; `so_far` is what was recorded before it.
  void check_step(const parser::step& s, std::string_view data, const test::parse_outcome& so_far) {
    live_ = &so_far;  // for the report, should a check fail
    if (++steps_ > 3 * input_.size() + 64) bad("the parser makes no progress");
    check(s.consumed <= data.size(), "a step consumed more bytes than it was given");
    const auto& messages = so_far.messages;
    const char* begin = data.data();
    const char* used = data.data() + s.consumed;
    switch (s.what) {
      case parser::event::head: {
        check(!closed_, "a message after one that closes the connection");
        check(messages.empty() || messages.back().complete, "a head inside a message");
        check(s.consumed > 0, "a head step consumed nothing");
        const message_head& h = p_.head();
        if (cfg_.type == message_type::request) {
          check(inside(h.method_text, begin, used) && inside(h.target, begin, used),
                "method or target view outside the bytes of the head step");
          check(h.method != method::unknown, "a head with an unknown method");
        } else {
          check(inside(h.reason, begin, used), "reason view outside the bytes of the head step");
          // Three digits, as llhttp reads them: 000-099 pass too (RFC 9110 §15: process as a 5xx).
          check(h.status >= 0 && h.status <= 999, "a status outside 000-999");
        }
        for (const header_field& f : h.headers) {
          check(inside(f.name, begin, used) && inside(f.value, begin, used),
                "header view outside the bytes of the head step");
          check(!f.name.empty(), "an empty header name");
        }
        if (cfg_.options.max_headers_count)
          check(h.headers.size() <= cfg_.options.max_headers_count, "more headers reported than max_headers_count");
        if (!(cfg_.options.lenient & lenient_chunked_length))
          check(!(h.has_content_length && h.has_transfer_encoding),
                "Content-Length with Transfer-Encoding accepted in strict mode");
        break;
      }
      case parser::event::body: {
        check(!messages.empty() && !messages.back().complete, "body outside a message");
        const message& m = messages.back();
        check(m.framing != body_framing::none, "body for a message framed without one");
        check(!s.body.empty(), "an empty body step");
        check(inside(s.body, begin, used) && s.body.data() + s.body.size() == used,
              "body span not at the end of the bytes the step consumed");
        body_total_ += s.body.size();
        check(body_total_ <= input_.size(), "more body bytes than input bytes");
        if (m.framing == body_framing::length)
          check(m.body.size() + s.body.size() <= m.content_length, "body beyond Content-Length");
        break;
      }
      case parser::event::complete: {
        check(!messages.empty() && !messages.back().complete, "complete outside a message");
        const message& m = messages.back();
        if (m.framing == body_framing::length)
          check(m.body.size() == m.content_length, "message complete before Content-Length bytes");
        if (m.framing == body_framing::none) check(m.body.empty(), "body in a message framed without one");
        for (const header_field& f : p_.trailers())
          check(inside(f.name, begin, used) && inside(f.value, begin, used),
                "trailer view outside the bytes of the complete step");
        if (!p_.trailers().empty()) check(m.framing == body_framing::chunked, "trailers without chunked framing");
        ++completed_;
        check(p_.messages() == completed_, "messages() differs from the complete steps seen");
        const bool informational = cfg_.type == message_type::response && m.status >= 100 && m.status < 200;
        if (!m.keep_alive && !m.upgrade && !informational && !(cfg_.options.lenient & lenient_keep_alive))
          closed_ = true;
        break;
      }
      case parser::event::upgrade:
        check(!messages.empty() && messages.back().complete && messages.back().upgrade,
              "upgrade without a completed upgrading message");
        break;
      case parser::event::error: check(static_cast<bool>(p_.error()), "an error step without an error code"); break;
      case parser::event::need_more: break;
    }
    if (data.empty() && s.what != parser::event::need_more && s.what != parser::event::complete &&
        s.what != parser::event::error && s.what != parser::event::upgrade)
      bad("finish() returned a head or body");
    if (data.empty()) check(s.consumed == 0, "finish() consumed bytes");
  }

  void end() {
    if (out_.rejected) {
      check(p_.parse("GET / HTTP/1.1\r\n\r\n").what == parser::event::error, "parse() after an error did not fail");
      check(p_.finish().what == parser::event::error, "finish() after an error did not fail");
      return;
    }
    if (out_.parsed.upgraded) {
      parser::step s = p_.parse("\x16\x03\x01");
      check(s.what == parser::event::upgrade && s.consumed == 0, "parse() after an upgrade did not stop");
      check(p_.finish().what == parser::event::need_more, "finish() after an upgrade did something");
    }
  }

  const config& cfg_;
  std::string_view input_;
  parser p_;
  outcome out_;
  const test::parse_outcome* live_ = nullptr;  // feed()'s outcome while it runs
  const std::vector<std::size_t>* cuts_ = nullptr;
  std::size_t body_total_ = 0;
  std::size_t steps_ = 0;
  std::uint64_t completed_ = 0;
  bool closed_ = false;
};

// --- cut plans ----------------------------------------------------------------------------------

inline std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 0xcbf29ce484222325ull) {
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

struct splitmix {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return n ? static_cast<std::size_t>(next() % n) : 0; }
};

/// Up to `max_cuts` cut points in [1, n), from a generator seeded with the input's hash.
inline std::vector<std::size_t> random_cuts(std::string_view input, std::uint64_t salt, std::size_t max_cuts) {
  std::vector<std::size_t> cuts;
  if (input.size() < 2) return cuts;
  splitmix rng{fnv1a(input) ^ (salt * 0x9e3779b97f4a7c15ull)};
  std::size_t k = 1 + rng.below(std::min(max_cuts, input.size() - 1));
  for (std::size_t i = 0; i < k; ++i) cuts.push_back(1 + rng.below(input.size() - 1));
  // Sometimes cluster the cuts around one spot, where the interesting boundaries tend to be.
  if (rng.below(2)) {
    std::size_t at = rng.below(input.size());
    for (std::size_t i = 0; i < 4; ++i) {
      std::size_t c = at + i;
      if (c >= 1 && c < input.size()) cuts.push_back(c);
    }
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return cuts;
}

/// Cuts just before and just after every CR and LF: the boundaries line scanning resumes across.
inline std::vector<std::size_t> line_end_cuts(std::string_view input) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 0; i < input.size(); ++i) {
    if (input[i] != '\r' && input[i] != '\n') continue;
    if (i > 0 && (cuts.empty() || cuts.back() != i)) cuts.push_back(i);
    if (i + 1 < input.size()) cuts.push_back(i + 1);
  }
  return cuts;
}

inline constexpr std::size_t bytewise_limit = 2048;

/// Parses `input` whole and in several split ways under `cfg`; traps unless all agree.
/// `thorough` adds byte-by-byte feeding (inputs under 2 KB) and line-end cuts.
inline void check_split_invariance(const config& cfg, std::string_view input, bool thorough) {
  const outcome whole = runner(cfg, input).run(nullptr, false);

  auto compare = [&](const std::vector<std::size_t>& cuts, bool eager) {
    outcome split = runner(cfg, input).run(&cuts, eager);
    if (split == whole) return;
    const char* what = "split feeding differs from whole feeding";
    if (split.rejected != whole.rejected) what = "split feeding: different accept/reject decision";
    else if (split.parsed.upgraded != whole.parsed.upgraded ||
             split.parsed.upgrade_offset != whole.parsed.upgrade_offset)
      what = "split feeding: different upgrade (offset)";
    else if (split.parsed.messages != whole.parsed.messages) what = "split feeding: different messages";
    else if (split.parsed.consumed != whole.parsed.consumed) what = "split feeding: different bytes consumed";
    violated(cfg, what, input, &cuts, &whole, &split);
  };

  compare(random_cuts(input, 1, 8), false);
  compare(random_cuts(input, 2, 64), true);
  if (!thorough) return;
  compare(random_cuts(input, 3, 32), false);
  if (input.size() < bytewise_limit) {
    std::vector<std::size_t> every(input.size() > 0 ? input.size() - 1 : 0);
    for (std::size_t i = 0; i < every.size(); ++i) every[i] = i + 1;
    compare(every, false);
  } else {
    compare(line_end_cuts(input), false);
  }
}

}  // namespace corohttp::fuzz
