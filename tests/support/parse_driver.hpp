// Feeds bytes to a corohttp::parser in pieces, as a connection would, and collects what it reports:
// the one message-collecting loop the proto, conformance and fuzz tests observe the parser with.
#pragma once

#include <corohttp/proto/parser.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace corohttp::test {

struct parsed_message {
  std::string method, url;
  int status = 0;
  std::string reason;
  int version_major = 0, version_minor = 0;
  std::vector<std::pair<std::string, std::string>> headers, trailers;
  std::string body;
  body_framing framing = body_framing::none;
  std::uint64_t content_length = 0;
  bool upgrade = false, keep_alive = false, expect_continue = false, complete = false;
  friend bool operator==(const parsed_message&, const parsed_message&) = default;
};

struct parse_outcome {
  std::vector<parsed_message> messages;  // every message whose head was seen
  boost::system::error_code ec;
  std::string error_reason;
  bool upgraded = false;
  std::size_t upgrade_offset = 0;  // where the bytes of the other protocol begin
  std::size_t consumed = 0;        // input bytes the parser let the caller drop
};

/// How feed() presents the input, and what it lets the caller watch.
struct feed_plan {
  std::span<const std::size_t> cuts;  ///< sorted offsets where the input is cut into pieces
  bool eof = false;                   ///< report the end of input (finish()) after the last piece
  bool eager = false;                 ///< present the next piece after every step, not only at need_more
  /// Every parse() reads a fresh heap copy of exactly the pending bytes, so AddressSanitizer sees
  /// any read past them or through a view kept from an earlier call.
  bool exact_copies = false;
  /// Before every parse() (e.g. to tell a response parser which request it answers).
  std::function<void(parser&)> before_parse;
  /// Every step, with the bytes it was given, before it is recorded in `so_far`.
  std::function<void(const parser::step&, std::string_view given, const parse_outcome& so_far)> on_step;
};

inline parse_outcome feed(parser& p, std::string_view input, const feed_plan& plan) {
  parse_outcome out;
  bool stopped = false;

  auto record = [&](const parser::step& s, std::string_view given) {
    if (plan.on_step) plan.on_step(s, given, out);
    switch (s.what) {
      case parser::event::head: {
        const message_head& h = p.head();
        parsed_message m;
        m.method = std::string(h.method_text);
        m.url = std::string(h.target);
        m.status = h.status;
        m.reason = std::string(h.reason);
        m.version_major = h.version_major;
        m.version_minor = h.version_minor;
        for (auto f : h.headers) m.headers.emplace_back(f.name, f.value);
        m.framing = h.framing;
        m.content_length = h.content_length;
        m.upgrade = h.upgrade;
        m.keep_alive = h.keep_alive;
        m.expect_continue = h.expect_continue;
        out.messages.push_back(std::move(m));
        break;
      }
      case parser::event::body: out.messages.back().body.append(s.body); break;
      case parser::event::complete:
        for (auto f : p.trailers()) out.messages.back().trailers.emplace_back(f.name, f.value);
        out.messages.back().complete = true;
        break;
      case parser::event::upgrade:
        out.upgraded = true;
        out.upgrade_offset = out.consumed + s.consumed;
        stopped = true;
        break;
      case parser::event::error:
        out.ec = p.error();
        out.error_reason = std::string(p.error_reason());
        stopped = true;
        break;
      case parser::event::need_more: break;
    }
    out.consumed += s.consumed;
  };

  // pending[start..] are the bytes presented and not yet consumed.
  std::string pending;
  std::size_t start = 0, from = 0, next = 0;
  auto present_next = [&] {  // appends the next piece; false when none is left
    if (next > plan.cuts.size()) return false;
    std::size_t to = next < plan.cuts.size() ? std::clamp(plan.cuts[next], from, input.size()) : input.size();
    ++next;
    pending.erase(0, start);
    start = 0;
    pending.append(input.substr(from, to - from));
    from = to;
    return true;
  };

  present_next();
  while (!stopped) {
    if (plan.before_parse) plan.before_parse(p);
    std::string_view given = std::string_view(pending).substr(start);
    std::unique_ptr<char[]> copy;
    if (plan.exact_copies) {
      copy.reset(new char[given.size() + (given.empty() ? 1 : 0)]);
      std::memcpy(copy.get(), given.data(), given.size());
      given = std::string_view(copy.get(), given.size());
    }
    parser::step s = p.parse(given);
    record(s, given);
    start += std::min(s.consumed, given.size());
    if (stopped) break;
    if (s.what == parser::event::need_more) {
      if (!present_next()) break;
    } else if (plan.eager) {
      present_next();
    }
  }
  if (plan.eof && !stopped) record(p.finish(), std::string_view());
  return out;
}

/// Feeds `input` cut at the (sorted) offsets in `cuts`; then, if `eof`, reports the end of input.
/// With `head_response` set, every response is parsed as the answer to a HEAD request.
inline parse_outcome feed(parser& p, std::string_view input, std::span<const std::size_t> cuts = {},
                          bool eof = false, bool head_response = false) {
  feed_plan plan;
  plan.cuts = cuts;
  plan.eof = eof;
  if (head_response)
    plan.before_parse = [](parser& q) {
      if (q.between_messages()) q.expect_response_to(method::head);
    };
  return feed(p, input, plan);
}

}  // namespace corohttp::test
