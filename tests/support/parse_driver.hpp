// Feeds bytes to a corohttp::parser in pieces, as a connection would, and collects what it reports:
// the way the proto and conformance tests observe the parser.
#pragma once

#include <corohttp/proto/parser.hpp>

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
  bool upgrade = false, keep_alive = false, expect_continue = false, complete = false;
};

struct parse_outcome {
  std::vector<parsed_message> messages;  // every message whose head was seen
  boost::system::error_code ec;
  std::string error_reason;
  bool upgraded = false;
  std::size_t upgrade_offset = 0;  // where the bytes of the other protocol begin
};

/// Feeds `input` cut at the (sorted) offsets in `cuts`; then, if `eof`, reports the end of input.
/// With `head_response` set, every response is parsed as the answer to a HEAD request.
inline parse_outcome feed(parser& p, std::string_view input, std::span<const std::size_t> cuts = {},
                          bool eof = false, bool head_response = false) {
  parse_outcome out;
  std::string pending;
  std::size_t consumed_total = 0;
  bool stopped = false;

  auto handle = [&](parser::step s) {
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
        out.upgrade_offset = consumed_total;
        stopped = true;
        break;
      case parser::event::error:
        out.ec = p.error();
        out.error_reason = std::string(p.error_reason());
        stopped = true;
        break;
      case parser::event::need_more: break;
    }
    consumed_total += s.consumed;
    pending.erase(0, s.consumed);
  };

  std::size_t from = 0;
  auto pieces = std::vector<std::size_t>(cuts.begin(), cuts.end());
  pieces.push_back(input.size());
  for (std::size_t to : pieces) {
    if (stopped) break;
    if (to < from) continue;
    pending.append(input.substr(from, to - from));
    from = to;
    while (!stopped) {
      if (head_response && p.between_messages()) p.expect_response_to(method::head);
      parser::step s = p.parse(pending);
      handle(s);
      if (s.what == parser::event::need_more) break;
    }
  }
  if (eof && !stopped) {
    parser::step s = p.finish();
    handle(s);
  }
  return out;
}

}  // namespace corohttp::test
