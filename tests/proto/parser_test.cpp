// The parser's rules, one by one, each fed whole, byte by byte and in random pieces.
#include <corohttp/proto/parser.hpp>

#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "parse_driver.hpp"

using namespace corohttp;
using test::feed;
using test::parse_outcome;

namespace {

// Every way of cutting `input` gives the same outcome; returns it.
parse_outcome parse_all_ways(message_type type, std::string_view input, bool eof = false,
                             parser_options opt = {}, bool head_response = false) {
  parser whole(type, opt);
  parse_outcome ref = feed(whole, input, {}, eof, head_response);

  std::vector<std::vector<std::size_t>> ways;
  std::vector<std::size_t> bytes;
  for (std::size_t i = 1; i < input.size(); ++i) bytes.push_back(i);
  ways.push_back(bytes);
  std::mt19937 rng(static_cast<unsigned>(input.size()));
  for (int r = 0; r < 5 && input.size() > 1; ++r) {
    std::uniform_int_distribution<std::size_t> d(1, input.size() - 1);
    std::vector<std::size_t> cuts{d(rng), d(rng), d(rng), d(rng)};
    std::sort(cuts.begin(), cuts.end());
    ways.push_back(cuts);
  }
  for (auto& cuts : ways) {
    parser p(type, opt);
    parse_outcome o = feed(p, input, cuts, eof, head_response);
    INFO("cut into " << cuts.size() + 1 << " pieces");
    REQUIRE(o.ec == ref.ec);
    REQUIRE(o.upgraded == ref.upgraded);
    REQUIRE(o.upgrade_offset == ref.upgrade_offset);
    REQUIRE(o.messages.size() == ref.messages.size());
    for (std::size_t m = 0; m < o.messages.size(); ++m) {
      CHECK(o.messages[m].method == ref.messages[m].method);
      CHECK(o.messages[m].url == ref.messages[m].url);
      CHECK(o.messages[m].status == ref.messages[m].status);
      CHECK(o.messages[m].reason == ref.messages[m].reason);
      CHECK(o.messages[m].headers == ref.messages[m].headers);
      CHECK(o.messages[m].trailers == ref.messages[m].trailers);
      CHECK(o.messages[m].body == ref.messages[m].body);
      CHECK(o.messages[m].complete == ref.messages[m].complete);
      CHECK(o.messages[m].keep_alive == ref.messages[m].keep_alive);
    }
  }
  return ref;
}

parse_outcome request(std::string_view input, parser_options opt = {}) {
  return parse_all_ways(message_type::request, input, false, opt);
}
parse_outcome response(std::string_view input, bool eof = false, bool head_response = false) {
  return parse_all_ways(message_type::response, input, eof, {}, head_response);
}

using fields = std::vector<std::pair<std::string, std::string>>;

}  // namespace

TEST_CASE("a simple request", "[parser]") {
  auto o = request("GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n");
  REQUIRE_FALSE(o.ec);
  REQUIRE(o.messages.size() == 1);
  auto& m = o.messages[0];
  CHECK(m.complete);
  CHECK(m.method == "GET");
  CHECK(m.url == "/index.html?q=1");
  CHECK(m.version_major == 1);
  CHECK(m.version_minor == 1);
  CHECK(m.headers == fields{{"Host", "example.com"}, {"Accept", "*/*"}});
  CHECK(m.body.empty());
  CHECK(m.keep_alive);
  CHECK(m.framing == body_framing::none);
}

TEST_CASE("header values are trimmed of OWS on both sides, inner whitespace kept", "[parser]") {
  auto o = request("GET / HTTP/1.1\r\nX-A:   a  b \t\r\nX-Empty:\r\nX-Spaces:    \r\n\r\n");
  REQUIRE_FALSE(o.ec);
  CHECK(o.messages[0].headers == fields{{"X-A", "a  b"}, {"X-Empty", ""}, {"X-Spaces", ""}});
}

TEST_CASE("every request-target form", "[parser]") {
  CHECK(request("GET /a/b?c#d HTTP/1.1\r\n\r\n").messages.at(0).url == "/a/b?c#d");
  CHECK(request("GET http://example.com:8080/x HTTP/1.1\r\n\r\n").messages.at(0).url == "http://example.com:8080/x");
  CHECK(request("CONNECT example.com:443 HTTP/1.1\r\n\r\n").messages.at(0).url == "example.com:443");
  CHECK(request("OPTIONS * HTTP/1.1\r\n\r\n").messages.at(0).url == "*");
  CHECK(request("CONNECT /path HTTP/1.1\r\n\r\n").ec == error::invalid_url);
  CHECK(request("CONNECT example.com HTTP/1.1\r\n\r\n").ec == error::invalid_url);
  CHECK(request("GET example.com HTTP/1.1\r\n\r\n").ec == error::invalid_url);
  CHECK(request("GET /a\x7f HTTP/1.1\r\n\r\n").ec == error::invalid_url);
  CHECK(request("GET /\xce\xb4 HTTP/1.1\r\n\r\n").ec == error::invalid_url);
  CHECK(request("GET  / HTTP/1.1\r\n\r\n").ec == error::invalid_url);
}

TEST_CASE("Content-Length bodies", "[parser]") {
  auto o = request("POST /upload HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world");
  REQUIRE_FALSE(o.ec);
  CHECK(o.messages[0].body == "hello world");
  CHECK(o.messages[0].framing == body_framing::length);
  CHECK(o.messages[0].complete);
  auto partial = request("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nhello");
  REQUIRE_FALSE(partial.ec);
  CHECK_FALSE(partial.messages[0].complete);
  CHECK(partial.messages[0].body == "hello");
  auto zero = request("POST / HTTP/1.1\r\nContent-Length: 000\r\n\r\n");
  CHECK(zero.messages.at(0).complete);
  CHECK(zero.messages[0].framing == body_framing::none);
}

TEST_CASE("chunked bodies with extensions and trailers", "[parser]") {
  auto o = request(
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value;flag\r\nhello\r\n"
      "1;q=\"quoted \\\" ;=\"\r\n \r\n"
      "A\r\n0123456789\r\n"
      "0\r\nExpires: never\r\nX-Checksum: abc\r\n\r\n");
  REQUIRE_FALSE(o.ec);
  auto& m = o.messages.at(0);
  CHECK(m.complete);
  CHECK(m.framing == body_framing::chunked);
  CHECK(m.body == "hello 0123456789");
  CHECK(m.trailers == fields{{"Expires", "never"}, {"X-Checksum", "abc"}});
  CHECK(m.headers == fields{{"Transfer-Encoding", "chunked"}});
}

TEST_CASE("chunk framing errors", "[parser]") {
  const std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  CHECK(request(head + "x\r\n").ec == error::invalid_chunk_size);
  CHECK(request(head + "\r\n").ec == error::invalid_chunk_size);
  CHECK(request(head + "5 \r\nhello\r\n0\r\n\r\n").ec == error::invalid_chunk_size);
  CHECK(request(head + "-1\r\n").ec == error::invalid_chunk_size);
  CHECK(request(head + "10000000000000000\r\n").ec == error::invalid_chunk_size);  // 2^64: overflow
  CHECK(request(head + "5\r\nhelloX\r\n").ec == error::strict);
  CHECK(request(head + "5\r\nhello\rX").ec == error::strict);
  CHECK(request(head + "5\rhello").ec == error::lf_expected);
  CHECK(request(head + "5; a=b\r\nhello\r\n").ec == error::strict);  // whitespace in extensions
  CHECK(request(head + "5;a=\"x\r\n").ec == error::strict);          // CR inside a quoted value
  parser_options small;
  small.max_chunk_extensions_size = 8;
  CHECK(request(head + "1;aaaaaaaaaa=b\r\nx\r\n", small).ec == error::chunk_extensions_overflow);
}

TEST_CASE("framing conflicts are refused (request smuggling)", "[parser]") {
  CHECK(request("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n").ec ==
        error::unexpected_content_length);
  CHECK(request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n").ec ==
        error::unexpected_content_length);
  CHECK(request("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n").ec ==
        error::invalid_content_length);
  CHECK(request("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n").ec ==
        error::invalid_content_length);
  CHECK(request("POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n").ec == error::invalid_content_length);
  CHECK(request("POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n").ec == error::invalid_content_length);
  CHECK(request("POST / HTTP/1.1\r\nContent-Length: \r\n\r\n").ec == error::invalid_content_length);
  CHECK(request("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n").ec ==
        error::invalid_content_length);
  CHECK(request("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n").ec == error::invalid_transfer_encoding);
  CHECK(request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n").ec ==
        error::invalid_transfer_encoding);
  CHECK(request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n").ec ==
        error::invalid_transfer_encoding);
  CHECK(request("POST / HTTP/1.1\r\nTransfer-Encoding: chunkedchunked\r\n\r\n").ec ==
        error::invalid_transfer_encoding);
  CHECK(request("POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n").ec == error::invalid_transfer_encoding);
  // Codings before chunked are fine; the list may be spread over fields; case does not matter.
  auto ok = request("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n");
  CHECK_FALSE(ok.ec);
  CHECK(ok.messages.at(0).complete);
}

TEST_CASE("malformed field lines are refused", "[parser]") {
  CHECK(request("GET / HTTP/1.1\r\nHost : x\r\n\r\n").ec == error::invalid_header_token);
  CHECK(request("GET / HTTP/1.1\r\nHost\t: x\r\n\r\n").ec == error::invalid_header_token);
  CHECK(request("GET / HTTP/1.1\r\nX-A: a\r\n folded\r\n\r\n").ec == error::invalid_header_token);
  CHECK(request("GET / HTTP/1.1\r\n Host: x\r\n\r\n").ec == error::unexpected_space);
  CHECK(request("GET / HTTP/1.1\r\n: empty-name\r\n\r\n").ec == error::invalid_header_token);
  CHECK(request("GET / HTTP/1.1\r\nNo-Colon\r\n\r\n").ec == error::invalid_header_token);
  CHECK(request("GET / HTTP/1.1\r\nX(y): z\r\n\r\n").ec == error::invalid_header_token);
  CHECK(request("GET / HTTP/1.1\r\nX\xc3\xa9: z\r\n\r\n").ec == error::invalid_header_token);
  CHECK(request(std::string("GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n", 29)).ec == error::invalid_header_token);
  CHECK(request("GET / HTTP/1.1\r\nX-A: a\x7f\r\n\r\n").ec == error::invalid_header_token);
  CHECK(request("GET / HTTP/1.1\r\nX-A: a\x01\r\n\r\n").ec == error::invalid_header_token);
  CHECK(request("GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n").ec == error::lf_expected);
  CHECK(request("GET / HTTP/1.1\r\nX-A: a\nX-B: b\r\n\r\n").ec == error::cr_expected);
  CHECK(request("GET / HTTP/1.1\nHost: x\r\n\r\n").ec == error::cr_expected);
  CHECK(request("GET / HTTP/1.1\r\nHost: x\r\n\n").ec == error::cr_expected);
  CHECK(request("GET / HTTP/1.1\r\nHost: x\r\n\rX").ec == error::lf_expected);
  // obs-text (bytes >= 0x80) and HTAB are allowed inside values.
  auto ok = request("GET / HTTP/1.1\r\nX-A: caf\xc3\xa9\tok\r\n\r\n");
  REQUIRE_FALSE(ok.ec);
  CHECK(ok.messages[0].headers == fields{{"X-A", "caf\xc3\xa9\tok"}});
}

TEST_CASE("start line errors", "[parser]") {
  CHECK(request("get / HTTP/1.1\r\n\r\n").ec == error::invalid_method);
  CHECK(request("FOO / HTTP/1.1\r\n\r\n").ec == error::invalid_method);
  CHECK(request("G@T / HTTP/1.1\r\n\r\n").ec == error::invalid_method);
  CHECK(request(" GET / HTTP/1.1\r\n\r\n").ec == error::invalid_method);
  CHECK(request("GET / HTTP/1.2\r\n\r\n").ec == error::invalid_version);
  CHECK(request("GET / HTTP/3.0\r\n\r\n").ec == error::invalid_version);
  CHECK(request("GET / HTTP/11\r\n\r\n").ec == error::invalid_version);
  CHECK(request("GET / http/1.1\r\n\r\n").ec == error::invalid_constant);
  CHECK(request("GET / HTTP/1.1 \r\n\r\n").ec == error::invalid_version);
  CHECK(request("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").ec == error::paused_h2_upgrade);
  auto r = parse_all_ways(message_type::response, "HTTP/1.1 2000 OK\r\n\r\n");
  CHECK(r.ec == error::invalid_status);
  CHECK(parse_all_ways(message_type::response, "HTTP/1.1 20 OK\r\n\r\n").ec == error::invalid_status);
  CHECK(parse_all_ways(message_type::response, "HTTP/1.1 200 O\x01K\r\n\r\n").ec == error::invalid_status);
  CHECK(parse_all_ways(message_type::response, "HTTX/1.1 200 OK\r\n\r\n").ec == error::invalid_constant);
}

TEST_CASE("every known method parses, and only those", "[parser]") {
  for (std::string_view m : methods) {
    if (m == "CONNECT") continue;
    auto o = request(std::string(m) + " / HTTP/1.1\r\n\r\n");
    INFO(m);
    REQUIRE_FALSE(o.ec);
    CHECK(o.messages.at(0).method == m);
  }
}

TEST_CASE("keep-alive follows the version and the Connection tokens", "[parser]") {
  CHECK(request("GET / HTTP/1.1\r\n\r\n").messages.at(0).keep_alive);
  CHECK_FALSE(request("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").messages.at(0).keep_alive);
  CHECK_FALSE(request("GET / HTTP/1.1\r\nConnection: foo, CLOSE\r\n\r\n").messages.at(0).keep_alive);
  CHECK_FALSE(request("GET / HTTP/1.0\r\n\r\n").messages.at(0).keep_alive);
  CHECK(request("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").messages.at(0).keep_alive);
  CHECK_FALSE(request("GET / HTTP/1.1\r\nProxy-Connection: close\r\n\r\n").messages.at(0).keep_alive);
  // Nothing but empty lines may follow a message that closes the connection.
  auto closed = request("GET / HTTP/1.1\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\n\r\n");
  CHECK(closed.ec == error::closed_connection);
  CHECK(closed.messages.at(0).complete);
  CHECK_FALSE(request("GET / HTTP/1.1\r\nConnection: close\r\n\r\n\r\n").ec);
}

TEST_CASE("pipelined requests come out in order", "[parser]") {
  auto o = request(
      "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
      "POST /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
      "\r\n"  // an empty line between messages is skipped
      "PUT /3 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nxyz\r\n0\r\n\r\n"
      "DELETE /4 HTTP/1.1\r\n\r\n");
  REQUIRE_FALSE(o.ec);
  REQUIRE(o.messages.size() == 4);
  CHECK(o.messages[0].url == "/1");
  CHECK(o.messages[1].body == "abc");
  CHECK(o.messages[2].body == "xyz");
  CHECK(o.messages[3].method == "DELETE");
  for (auto& m : o.messages) CHECK(m.complete);
  CHECK(o.messages[1].headers == fields{{"Content-Length", "3"}});
}

TEST_CASE("Expect: 100-continue is reported", "[parser]") {
  CHECK(request("PUT / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx").messages.at(0).expect_continue);
  CHECK_FALSE(request("PUT / HTTP/1.1\r\nExpect: 200-ok\r\n\r\n").messages.at(0).expect_continue);
}

TEST_CASE("Upgrade and CONNECT stop after the message and leave the rest untouched", "[parser]") {
  const std::string up =
      "GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
  auto o = request(up + "\x81\x05hello");
  REQUIRE_FALSE(o.ec);
  CHECK(o.upgraded);
  CHECK(o.upgrade_offset == up.size());
  CHECK(o.messages.at(0).upgrade);
  // Upgrade without the Connection token is an ordinary request.
  auto plain = request("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\nGET /2 HTTP/1.1\r\n\r\n");
  CHECK_FALSE(plain.upgraded);
  CHECK(plain.messages.size() == 2);

  const std::string connect = "CONNECT db.internal:5432 HTTP/1.1\r\nHost: db.internal:5432\r\n\r\n";
  auto c = request(connect + "raw tunnel bytes");
  CHECK(c.upgraded);
  CHECK(c.upgrade_offset == connect.size());
  CHECK(c.messages.at(0).body.empty());

  // An upgrade request with a body reads the body first.
  const std::string with_body =
      "POST /x HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: h2c\r\nContent-Length: 4\r\n\r\nbody";
  auto b = request(with_body + "new protocol");
  CHECK(b.upgraded);
  CHECK(b.upgrade_offset == with_body.size());
  CHECK(b.messages.at(0).body == "body");
}

TEST_CASE("responses: status, reason, framing", "[parser]") {
  auto o = response("HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope");
  REQUIRE_FALSE(o.ec);
  CHECK(o.messages.at(0).status == 404);
  CHECK(o.messages[0].reason == "Not Found");
  CHECK(o.messages[0].body == "nope");
  CHECK(response("HTTP/1.1 200\r\n\r\n", true).messages.at(0).reason.empty());
  CHECK(response("HTTP/1.0 200 OK\r\n\r\n", true).messages.at(0).complete);

  // No Content-Length, no chunked: the body runs to the end of the connection.
  auto eof = response("HTTP/1.1 200 OK\r\n\r\nall of this", true);
  CHECK(eof.messages.at(0).complete);
  CHECK(eof.messages[0].body == "all of this");
  CHECK(eof.messages[0].framing == body_framing::eof);
  CHECK_FALSE(eof.messages[0].keep_alive);
  auto not_yet = response("HTTP/1.1 200 OK\r\n\r\nall of this", false);
  CHECK_FALSE(not_yet.messages.at(0).complete);
  // A response whose codings do not end in chunked is read until EOF too.
  auto gz = response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nxyz", true);
  CHECK(gz.messages.at(0).framing == body_framing::eof);
  CHECK(gz.messages[0].body == "xyz");
  // A connection closed before the body is complete is an error.
  CHECK(response("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", true).ec == error::invalid_eof_state);
}

TEST_CASE("responses without a body: 1xx, 204, 304, HEAD", "[parser]") {
  auto o = response(
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
      "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"
      "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  REQUIRE_FALSE(o.ec);
  REQUIRE(o.messages.size() == 5);
  CHECK(o.messages[0].status == 100);
  CHECK(o.messages[1].headers == fields{{"Link", "</style.css>; rel=preload"}});
  CHECK(o.messages[2].body.empty());
  CHECK(o.messages[3].body.empty());
  CHECK(o.messages[4].body == "ok");
  for (auto& m : o.messages) CHECK(m.complete);

  // A response to HEAD has no body whatever its headers say.
  auto head = response("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                       false, true);
  REQUIRE_FALSE(head.ec);
  REQUIRE(head.messages.size() == 2);
  CHECK(head.messages[0].complete);
  CHECK(head.messages[1].complete);
}

TEST_CASE("responses that switch protocols", "[parser]") {
  const std::string sw = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
  auto o = response(sw + "frames");
  CHECK(o.upgraded);
  CHECK(o.upgrade_offset == sw.size());

  parser p(message_type::response);
  p.expect_response_to(method::connect);
  const std::string est = "HTTP/1.1 200 Connection Established\r\n\r\n";
  auto c = feed(p, est + "tunnel");
  CHECK(c.upgraded);
  CHECK(c.upgrade_offset == est.size());

  parser q(message_type::response);
  q.expect_response_to(method::connect);
  auto refused = feed(q, "HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno");
  CHECK_FALSE(refused.upgraded);
  CHECK(refused.messages.at(0).body == "no");
}

TEST_CASE("max_header_size bounds the head (→ 431) and the trailers", "[parser]") {
  parser_options opt;
  opt.max_header_size = 64;
  std::string big = "GET / HTTP/1.1\r\nX-Long: " + std::string(100, 'a') + "\r\n\r\n";
  CHECK(request(big, opt).ec == error::header_overflow);
  // Overflow is detected before the head ends, without waiting for more bytes.
  parser p(message_type::request, opt);
  auto partial = feed(p, big.substr(0, 80));
  CHECK(partial.ec == error::header_overflow);
  CHECK_FALSE(request("GET / HTTP/1.1\r\nX: " + std::string(30, 'a') + "\r\n\r\n", opt).ec);
  std::string trailers = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " + std::string(100, 'b') + "\r\n\r\n";
  CHECK(request(trailers, opt).ec == error::header_overflow);
  // Node's default: 16 KiB.
  CHECK(parser_options{}.max_header_size == 16 * 1024);
  std::string just_over = "GET / HTTP/1.1\r\nX: " + std::string(16 * 1024, 'a') + "\r\n\r\n";
  parser d(message_type::request);
  CHECK(feed(d, just_over).ec == error::header_overflow);
}

TEST_CASE("max_headers_count truncates what is reported, not what frames the message", "[parser]") {
  parser_options opt;
  opt.max_headers_count = 2;
  auto o = request("POST / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nContent-Length: 2\r\n\r\nok", opt);
  REQUIRE_FALSE(o.ec);
  CHECK(o.messages.at(0).headers == fields{{"A", "1"}, {"B", "2"}});
  CHECK(o.messages[0].body == "ok");
  CHECK(o.messages[0].complete);
}

TEST_CASE("lenient mode relaxes only what it names", "[parser]") {
  parser_options lenient;
  lenient.lenient = lenient_headers;
  CHECK_FALSE(request("GET / HTTP/1.1\r\nX-A: a\x01b\r\n\r\n", lenient).ec);
  CHECK(request(std::string("GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n", 29), lenient).ec);  // NUL never
  CHECK(request("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", lenient).ec ==
        error::unexpected_content_length);
  parser_options lf;
  lf.lenient = lenient_optional_cr_before_lf;
  auto o = request("GET / HTTP/1.1\nHost: a\n\n", lf);
  REQUIRE_FALSE(o.ec);
  CHECK(o.messages.at(0).headers == fields{{"Host", "a"}});
}

TEST_CASE("errors carry a name, a message and an offset", "[parser]") {
  parser p(message_type::request);
  auto o = feed(p, "GET / HTTP/1.1\r\nGood: yes\r\nBad Name: x\r\n\r\n");
  REQUIRE(o.ec == error::invalid_header_token);
  CHECK(error_name(o.ec) == "HPE_INVALID_HEADER_TOKEN");
  CHECK(o.ec.category().name() == std::string("corohttp"));
  CHECK_FALSE(o.ec.message().empty());
  CHECK(p.error_offset() == 30);  // the space inside "Bad Name"
  CHECK(p.error_reason() == "Invalid header field char");
  // Once failed, the parser stays failed.
  CHECK(p.parse("GET / HTTP/1.1\r\n\r\n").what == parser::event::error);
}

TEST_CASE("reset() starts a new connection", "[parser]") {
  parser p(message_type::request);
  CHECK(feed(p, "BAD\r\n").ec);
  p.reset();
  auto o = feed(p, "GET / HTTP/1.1\r\n\r\n");
  CHECK_FALSE(o.ec);
  CHECK(o.messages.at(0).complete);
}

TEST_CASE("views point into the caller's bytes: no copies", "[parser]") {
  std::string input = "GET /path HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc";
  parser p(message_type::request);
  auto s = p.parse(input);
  REQUIRE(s.what == parser::event::head);
  const char* lo = input.data();
  const char* hi = input.data() + input.size();
  auto inside = [&](std::string_view v) { return v.data() >= lo && v.data() + v.size() <= hi; };
  CHECK(inside(p.head().target));
  CHECK(inside(p.head().method_text));
  for (auto f : p.head().headers) CHECK((inside(f.name) && inside(f.value)));
  auto b = p.parse(std::string_view(input).substr(s.consumed));
  REQUIRE(b.what == parser::event::body);
  CHECK(b.body.data() == input.data() + s.consumed);
  CHECK(b.body == "abc");
}
