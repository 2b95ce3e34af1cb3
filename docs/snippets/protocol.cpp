// The code shown in docs/protocol.md and docs/errors.md, verbatim (checked by
// tests/check_doc_snippets.py), with Catch2 cases that run it. No sockets here: the proto/ layer
// is sans-IO, so this file does not even include Asio.
#include <corohttp/proto/error.hpp>
#include <corohttp/proto/headers.hpp>
#include <corohttp/proto/http_date.hpp>
#include <corohttp/proto/methods.hpp>
#include <corohttp/proto/outgoing_headers.hpp>
#include <corohttp/proto/parser.hpp>
#include <corohttp/proto/request_rules.hpp>
#include <corohttp/proto/serializer.hpp>
#include <corohttp/proto/status_codes.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace http = corohttp;

// --- snippets ------------------------------------------------------------------------------------

struct summary {
  std::vector<std::string> targets;
  std::string bodies;
  boost::system::error_code ec;
};

// Parses every request in `wire`, fed in pieces of `piece` bytes as a socket might deliver them.
summary parse_requests(std::string_view wire, std::size_t piece) {
  http::parser p(http::message_type::request);
  summary out;
  std::string buffer;  // unconsumed bytes: the parser's views point in here
  std::size_t fed = 0;
  for (;;) {
    http::parser::step s = p.parse(buffer);
    switch (s.what) {
      case http::parser::event::head:
        out.targets.emplace_back(p.head().target);  // copy: consume() below moves the bytes
        break;
      case http::parser::event::body:
        out.bodies.append(s.body);
        break;
      case http::parser::event::complete:
      case http::parser::event::upgrade:
        break;
      case http::parser::event::error:
        out.ec = p.error();
        return out;
      case http::parser::event::need_more:
        if (fed == wire.size()) {
          buffer.erase(0, s.consumed);
          if (p.finish().what == http::parser::event::error) out.ec = p.error();  // EOF mid-message?
          return out;
        }
        buffer.append(wire.substr(fed, piece));
        fed = std::min(wire.size(), fed + piece);
        break;
    }
    buffer.erase(0, s.consumed);
  }
}

std::string write_response(std::string_view body) {
  http::head_writer head;
  (void)head.status_line(200, http::status_text(200));
  if (auto ec = head.field("Content-Type", "text/plain")) return {};  // checked as Node checks
  head.trusted_field("Transfer-Encoding", "chunked");
  head.end();
  // The body is never copied into a head or frame: a socket would get these as gather buffers.
  auto chunk = http::frame_chunk(body);
  std::string wire(head.data());
  for (std::string_view piece : chunk.buffers()) wire += piece;
  wire += http::last_chunk;
  return wire;
}

http::framing_plan plan_for_end(std::uint64_t length) {
  http::framing_input in;
  in.known_length = length;  // end(data) before any write(): the whole body is known
  return http::choose_framing(in);  // → Content-Length: length
}

void headers_like_node() {
  http::header_list fields;
  fields.add("Host", "example.com");
  fields.add("Accept", "text/html");
  fields.add("accept", "application/json");
  fields.add("Set-Cookie", "a=1");
  fields.add("Set-Cookie", "b=2");
  http::header_map headers = fields.merged();  // Node's message.headers
  assert(headers.get("accept") == "text/html, application/json");
  assert(headers.find("set-cookie")->values.size() == 2);  // an array, as in Node
  assert(fields.raw().size() == 10);  // Node's rawHeaders: name, value, name, value...
}

void methods_and_statuses() {
  static_assert(http::parse_method("PATCH") == http::method::patch);
  static_assert(http::parse_method("patch") == http::method::unknown);  // methods are case-sensitive
  static_assert(http::to_string(http::method::m_search) == "M-SEARCH");
  static_assert(http::status_text(404) == "Not Found");
  static_assert(http::status_text(299).empty());  // Node's STATUS_CODES[299] is undefined
}

std::string describe(const boost::system::error_code& ec) {
  // "HPE_INVALID_HEADER_TOKEN: Invalid header token", as Node prints a parse error's code
  return std::string(http::error_name(ec)) + ": " + ec.message();
}

// --- checks ---------------------------------------------------------------------------------------

TEST_CASE("docs/protocol: parse_requests, whole and byte by byte", "[docs]") {
  std::string wire =
      "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
      "PUT /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
      "GET /c HTTP/1.1\r\nHost: x\r\n\r\n";
  for (std::size_t piece : {wire.size(), std::size_t{7}, std::size_t{1}}) {
    summary s = parse_requests(wire, piece);
    CHECK(!s.ec);
    CHECK(s.targets == std::vector<std::string>{"/a", "/b", "/c"});
    CHECK(s.bodies == "helloabc");
  }
  summary bad = parse_requests("GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n", 4);
  CHECK(bad.ec == http::error::invalid_header_token);
  CHECK(describe(bad.ec) == "HPE_INVALID_HEADER_TOKEN: Invalid header token");
  summary cut = parse_requests("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc", 100);
  CHECK(cut.ec == http::error::invalid_eof_state);
}

TEST_CASE("docs/protocol: write_response frames a chunked body", "[docs]") {
  CHECK(write_response("hello") ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  auto plan = plan_for_end(42);
  CHECK(plan.framing == http::body_framing::length);
  CHECK(plan.add_content_length);
  CHECK(plan.content_length == 42);
}

TEST_CASE("docs/protocol: headers, methods, statuses", "[docs]") {
  headers_like_node();
  methods_and_statuses();
  http::header_list fields;
  fields.add("Cookie", "a=1");
  fields.add("cookie", "b=2");
  CHECK(fields.get("COOKIE") == "a=1; b=2");
}
