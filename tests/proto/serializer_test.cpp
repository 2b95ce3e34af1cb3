#include <corohttp/proto/http_date.hpp>
#include <corohttp/proto/parser.hpp>
#include <corohttp/proto/serializer.hpp>

#include <catch2/catch.hpp>

#include <string>

#include "parse_driver.hpp"

using namespace corohttp;

TEST_CASE("head_writer writes what the parser reads back", "[serializer]") {
  head_writer w;
  REQUIRE_FALSE(w.request_line("POST", "/upload?x=1"));
  REQUIRE_FALSE(w.field("Host", "example.com"));
  REQUIRE_FALSE(w.field("Content-Length", std::uint64_t{5}));
  REQUIRE_FALSE(w.field("X-Tab", "a\tb"));
  w.end();
  CHECK(w.data() == "POST /upload?x=1 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\nX-Tab: a\tb\r\n\r\n");
  parser p(message_type::request);
  auto o = test::feed(p, std::string(w.data()) + "hello");
  REQUIRE_FALSE(o.ec);
  CHECK(o.messages.at(0).body == "hello");

  w.clear();
  REQUIRE_FALSE(w.status_line(404, "Not Found"));
  w.trusted_field("Content-Length", "0");
  w.end();
  CHECK(w.data() == "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  w.clear();
  REQUIRE_FALSE(w.status_line(200, "OK", 0));
  w.end();
  CHECK(w.data() == "HTTP/1.0 200 OK\r\n\r\n");
}

TEST_CASE("head_writer refuses what would split a message", "[serializer]") {
  head_writer w;
  CHECK(w.field("X-Evil", "a\r\nSet-Cookie: x=1") == error::invalid_char);
  CHECK(w.field("X-Evil", "a\nb") == error::invalid_char);
  CHECK(w.field("X-Evil", std::string_view("a\0b", 3)) == error::invalid_char);
  CHECK(w.field("X-Evil", "a\x7f") == error::invalid_char);
  CHECK(w.field("Bad Name", "v") == error::invalid_http_token);
  CHECK(w.field("Bad:Name", "v") == error::invalid_http_token);
  CHECK(w.field("", "v") == error::invalid_http_token);
  CHECK(w.field("X\r\n", "v") == error::invalid_http_token);
  CHECK(w.request_line("GET", "/a b") == error::unescaped_characters);
  CHECK(w.request_line("GET", "/a\r\nHost: evil") == error::unescaped_characters);
  CHECK(w.request_line("G ET", "/") == error::invalid_http_token);
  CHECK(w.status_line(200, "OK\r\nX: y") == error::invalid_char);
  CHECK(w.status_line(99, "x") == error::invalid_status_code);
  CHECK(w.status_line(1000, "x") == error::invalid_status_code);
  CHECK(w.data().empty());  // nothing was written by a refused call
  CHECK(error_name(make_error_code(error::invalid_char)) == "ERR_INVALID_CHAR");
}

TEST_CASE("chunk framing never copies the data", "[serializer]") {
  CHECK(chunk_header(0).view() == "0\r\n");
  CHECK(chunk_header(1).view() == "1\r\n");
  CHECK(chunk_header(255).view() == "ff\r\n");
  CHECK(chunk_header(4096).view() == "1000\r\n");
  CHECK(chunk_header(SIZE_MAX).view() == "ffffffffffffffff\r\n");
  std::string data = "hello world";
  auto pieces = frame_chunk(data);
  auto b = pieces.buffers();
  CHECK(b[0] == "b\r\n");
  CHECK(b[1].data() == data.data());
  CHECK(b[2] == "\r\n");
}

TEST_CASE("a chunked body with trailers round-trips through the parser", "[serializer]") {
  std::string wire = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string long_part(300, 'z');
  for (std::string_view part : {std::string_view("alpha"), std::string_view("b"), std::string_view(long_part)}) {
    auto c = frame_chunk(part);
    for (auto piece : c.buffers()) wire.append(piece);
  }
  header_list trailers;
  trailers.add("Content-MD5", "7895bf4b8828b55ceaf47747b4bca667");
  last_chunk_writer last;
  REQUIRE_FALSE(last.write(trailers));
  wire.append(last.data());
  parser p(message_type::request);
  auto o = test::feed(p, wire);
  REQUIRE_FALSE(o.ec);
  CHECK(o.messages.at(0).body == "alphab" + std::string(300, 'z'));
  CHECK(o.messages[0].trailers == std::vector<std::pair<std::string, std::string>>{{"Content-MD5", "7895bf4b8828b55ceaf47747b4bca667"}});
  header_list bad;
  bad.add("X", "a\r\nb");
  CHECK(last.write(bad) == error::invalid_char);
  CHECK(last_chunk == "0\r\n\r\n");
}

TEST_CASE("choose_framing follows Node's rules", "[serializer]") {
  framing_input in;
  // end(data) before any write: Content-Length.
  in.known_length = 13;
  auto p = choose_framing(in);
  CHECK(p.framing == body_framing::length);
  CHECK(p.add_content_length);
  CHECK(p.content_length == 13);
  // Streamed on 1.1: chunked.
  in.known_length.reset();
  p = choose_framing(in);
  CHECK(p.framing == body_framing::chunked);
  CHECK(p.add_chunked);
  // Streamed to a 1.0 peer: until close.
  in.chunked_allowed = false;
  p = choose_framing(in);
  CHECK(p.framing == body_framing::eof);
  CHECK(p.close_delimited);
  // A 1.0 peer with a known length still gets Content-Length.
  in.known_length = 5;
  CHECK(choose_framing(in).framing == body_framing::length);
  // The caller's own Content-Length or Transfer-Encoding wins, and nothing is added.
  framing_input user;
  user.user_content_length = true;
  p = choose_framing(user);
  CHECK(p.framing == body_framing::length);
  CHECK_FALSE(p.add_content_length);
  user = {};
  user.user_transfer_encoding = true;
  user.user_te_chunked = true;
  p = choose_framing(user);
  CHECK(p.framing == body_framing::chunked);
  CHECK_FALSE(p.add_chunked);
  user.user_te_chunked = false;
  CHECK(choose_framing(user).close_delimited);
  // Trailers need chunked even when the length is known.
  framing_input tr;
  tr.known_length = 5;
  tr.trailers = true;
  CHECK(choose_framing(tr).framing == body_framing::chunked);
  // No body allowed (HEAD, 204, 304): nothing.
  framing_input none;
  none.body_allowed = false;
  none.known_length = 10;
  p = choose_framing(none);
  CHECK(p.framing == body_framing::none);
  CHECK_FALSE(p.add_content_length);
  // GET with no body: no framing field; POST with no body: Content-Length: 0.
  framing_input get;
  get.chunked_by_default = false;
  get.known_length = 0;
  p = choose_framing(get);
  CHECK_FALSE(p.add_content_length);
  CHECK(p.framing == body_framing::none);
  framing_input post;
  post.known_length = 0;
  p = choose_framing(post);
  CHECK(p.add_content_length);
  CHECK(p.content_length == 0);
  // A GET with a body is framed (Node would send it unframed).
  get.known_length = 4;
  CHECK(choose_framing(get).framing == body_framing::length);
  get.known_length.reset();
  CHECK(choose_framing(get).framing == body_framing::chunked);
}

TEST_CASE("HTTP dates are IMF-fixdate and cached per second", "[serializer]") {
  std::array<char, 29> buf{};
  CHECK(format_http_date(784111777, buf) == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(format_http_date(0, buf) == "Thu, 01 Jan 1970 00:00:00 GMT");
  CHECK(format_http_date(1798761599, buf) == "Thu, 31 Dec 2026 23:59:59 GMT");
  date_cache cache;
  auto a = cache.at(784111777);
  CHECK(a == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(cache.at(784111778) == "Sun, 06 Nov 1994 08:49:38 GMT");
  CHECK(cache.now().size() == 29);
  CHECK(cache.now().ends_with(" GMT"));
}
