// Runs the llhttp / http-parser conformance vectors of ../shared/conformance through our parser:
// every case whole, byte by byte, and at three random cut points (seeded), and compares each
// outcome with what llhttp does. Prints one summary line per file.
#include <boost/json/src.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include <boost/beast/core/detail/base64.hpp>

#include "parse_driver.hpp"
#include "test_support.hpp"

namespace json = boost::json;
using namespace corohttp;

namespace {

std::filesystem::path conformance_dir() {
  return test::source_dir().parent_path().parent_path() / "shared" / "conformance";
}

std::string b64(std::string_view in) {
  std::string out(boost::beast::detail::base64::decoded_size(in.size()), '\0');
  auto r = boost::beast::detail::base64::decode(out.data(), in.data(), in.size());
  out.resize(r.first);
  return out;
}

std::string str(const json::value& v) { return v.is_string() ? std::string(v.as_string()) : std::string(); }

std::string rstrip(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}

// Lenient rows whose relaxation we do not offer although we have a flag of that name: accepting
// these would open a smuggling door (or cannot be represented as in-place views).
const std::pair<std::string_view, std::string_view> relaxations_not_offered[] = {
    {"llhttp:test/request/connection.md:481", "obs-fold joined into a value"},
    {"llhttp:test/request/connection.md:576", "obs-fold joined into a value"},
    {"llhttp:test/request/sample.md:333", "obs-fold joined into a value"},
    {"llhttp:test/request/sample.md:571", "obs-fold joined into a value"},
    {"llhttp:test/request/invalid.md:686", "obs-fold joined into a value (hides Content-Length)"},
    {"llhttp:test/response/transfer-encoding.md:389", "obs-fold joined into a value"},
    {"llhttp:test/request/connection.md:637", "whitespace between field name and colon"},
    {"llhttp:test/request/content-length.md:189", "whitespace between field name and colon"},
    {"llhttp:test/request/lenient-headers.md:109", "a bare CR as a line end"},
    {"llhttp:test/request/content-length.md:229", "Content-Length with a non-chunked request Transfer-Encoding"},
    {"llhttp:test/request/transfer-encoding.md:530", "Content-Length with a non-chunked request Transfer-Encoding"},
};

std::uint16_t flag_of(std::string_view name) {
  if (name == "headers") return lenient_headers;
  if (name == "chunked_length") return lenient_chunked_length;
  if (name == "keep_alive") return lenient_keep_alive;
  if (name == "transfer_encoding") return lenient_transfer_encoding;
  if (name == "version") return lenient_version;
  if (name == "data_after_close") return lenient_data_after_close;
  if (name == "optional_cr_before_lf") return lenient_optional_cr_before_lf;
  if (name == "spaces_after_chunk_size") return lenient_spaces_after_chunk_size;
  if (name == "optional_crlf_after_chunk") return lenient_optional_crlf_after_chunk;
  return 0;  // a relaxation we do not offer (optional_lf_after_cr, header_value_relaxed)
}

// Compares one outcome with the expectation; returns "" when they agree, else why not.
std::string compare(const json::object& expect, const test::parse_outcome& got) {
  std::ostringstream why;
  const bool ok = expect.at("ok").as_bool();
  const std::string paused = expect.contains("paused") ? str(expect.at("paused")) : "";
  if (paused == "h2_upgrade") {
    if (got.ec != error::paused_h2_upgrade) why << "expected the HTTP/2 preface to stop parsing; got " << got.ec.message();
    return why.str();
  }
  if (!ok && !got.ec) why << "accepted what llhttp rejects (" << str(expect.at("error_name")) << ": "
                          << str(expect.at("error_reason")) << ")";
  if (ok && got.ec) why << "rejected: " << got.ec.message() << " (" << got.error_reason << ")";
  if (paused == "upgrade") {
    if (!got.upgraded) why << "; no upgrade";
    else if (static_cast<std::int64_t>(got.upgrade_offset) != expect.at("pause_offset").as_int64())
      why << "; upgrade at " << got.upgrade_offset << ", expected " << expect.at("pause_offset").as_int64();
  }
  const json::value* msgs = expect.if_contains("messages");
  if (!msgs || msgs->is_null()) return why.str();
  std::size_t want_complete = 0;
  // A body read until EOF completes once the harness reports EOF.
  auto expected_complete = [](const json::object& m) {
    return m.at("complete").as_bool() || (m.contains("reads_until_eof") && m.at("reads_until_eof").as_bool());
  };
  for (auto& mv : msgs->as_array()) want_complete += expected_complete(mv.as_object());
  std::size_t got_complete = 0;
  for (auto& m : got.messages) got_complete += m.complete;
  // A rejected input: the messages completed before the error must match; the last may be partial.
  if (ok && got_complete != want_complete)
    why << "; " << got_complete << " complete messages, expected " << want_complete;
  std::size_t i = 0;
  for (auto& mv : msgs->as_array()) {
    auto& m = mv.as_object();
    if (!expected_complete(m)) break;
    if (i >= got.messages.size() || !got.messages[i].complete) {
      if (ok) why << "; message " << i << " not complete";
      else if (i >= got.messages.size() || !got.messages[i].complete) why << "; message " << i << " not complete before the error";
      break;
    }
    const auto& g = got.messages[i];
    auto field = [&](const char* name, const std::string& ours, const std::string& theirs) {
      if (ours != theirs) why << "; message " << i << " " << name << ": '" << ours << "' vs '" << theirs << "'";
    };
    if (!m.at("method").is_null()) field("method", g.method, str(m.at("method")));
    if (!m.at("url").is_null()) field("url", g.url, str(m.at("url")));
    if (!m.at("status").is_null()) field("status", std::to_string(g.status), std::to_string(m.at("status").as_int64()));
    if (!m.at("reason").is_null()) field("reason", g.reason, str(m.at("reason")));
    field("version", std::to_string(g.version_major) + "." + std::to_string(g.version_minor), str(m.at("version")));
    auto fields = [&](const char* name, const auto& ours, const json::value& theirs) {
      std::string a, b;
      for (auto& [n, v] : ours) a += n + ": " + v + "\n";
      for (auto& pv : theirs.as_array())
        b += str(pv.as_array()[0]) + ": " + rstrip(str(pv.as_array()[1])) + "\n";
      if (a != b) why << "; message " << i << " " << name << " differ:\n" << a << "vs\n" << b;
    };
    fields("headers", g.headers, m.at("headers"));
    fields("trailers", g.trailers, m.at("trailers"));
    field("body", g.body, b64(str(m.at("body_b64"))));
    if (m.contains("upgrade")) field("upgrade", std::to_string(g.upgrade), std::to_string(m.at("upgrade").as_bool()));
    if (m.contains("keep_alive") && m.at("keep_alive").is_bool())
      field("keep_alive", std::to_string(g.keep_alive), std::to_string(m.at("keep_alive").as_bool()));
    ++i;
  }
  return why.str();
}

struct file_result {
  int ran = 0, agreed = 0, skipped = 0;
  std::vector<std::string> skips, failures;
};

file_result run_file(const std::filesystem::path& path) {
  file_result res;
  std::ifstream in(path);
  std::string line;
  std::mt19937 rng(20261126);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto row = json::parse(line).as_object();
    const std::string id = str(row.at("id"));
    const std::string mode = str(row.at("mode"));
    auto skip = [&](std::string why) {
      ++res.skipped;
      res.skips.push_back(id + ": " + why);
    };
    // http-parser rows that llhttp does not share: where llhttp rejects, so must we (the row is
    // inverted); any other conflict is skipped.
    bool inverted = false;
    if (auto* c = row.if_contains("llhttp_conflict"); c && c->is_string()) {
      if (std::string_view(c->as_string()).find("llhttp rejects") == std::string_view::npos) {
        skip("http-parser expectation llhttp does not share: " + str(*c));
        continue;
      }
      inverted = true;
      row["expect"] = json::object{{"ok", false}, {"error_name", "(inverted llhttp_conflict)"}, {"error_reason", str(*c)}};
    }
    if (mode == "http_parser_non_strict" && !inverted) { skip("http-parser non-strict row (we are strict)"); continue; }
    std::uint16_t flags = 0;
    bool unsupported = false;
    for (auto& f : row.at("lenient").as_array()) {
      auto bit = flag_of(str(f));
      if (!bit) { skip("needs lenient flag '" + str(f) + "', which we do not offer"); unsupported = true; break; }
      flags |= bit;
    }
    if (unsupported) continue;
    for (auto [skip_id, why] : relaxations_not_offered)
      if (skip_id == id) { skip("lenient relaxation we do not offer: " + std::string(why)); unsupported = true; }
    if (unsupported) continue;
    const bool response = str(row.at("type")) == "response";
    const bool skip_body = row.contains("skip_body") && row.at("skip_body").as_bool();
    if (skip_body && !response) { skip("skip_body on a request: no such thing on the wire"); continue; }
    auto& expect = row.at("expect").as_object();
    if (auto* msgs = expect.if_contains("messages"); msgs && msgs->is_array()) {
      bool other = false;
      for (auto& m : msgs->as_array())
        if (m.as_object().at("protocol").is_string() && str(m.as_object().at("protocol")) != "HTTP") other = true;
      if (other || id == "http-parser:test.c:requests[SOURCE_ICE_REQUEST]") {
        skip("RTSP/ICE message: corohttp parses HTTP only");
        continue;
      }
    }
    const std::string input = b64(str(row.at("input_b64")));
    bool eof = false;
    if (auto* msgs = expect.if_contains("messages"); msgs && msgs->is_array() && expect.at("ok").as_bool())
      for (auto& m : msgs->as_array())
        if (m.as_object().contains("reads_until_eof") && m.as_object().at("reads_until_eof").as_bool()) eof = true;

    ++res.ran;
    std::vector<std::vector<std::size_t>> splits;
    splits.push_back({});
    std::vector<std::size_t> bytes;
    for (std::size_t k = 1; k < input.size(); ++k) bytes.push_back(k);
    splits.push_back(bytes);
    for (int r = 0; r < 3 && input.size() > 1; ++r) {
      std::uniform_int_distribution<std::size_t> d(1, input.size() - 1);
      std::vector<std::size_t> cuts{d(rng), d(rng), d(rng)};
      std::sort(cuts.begin(), cuts.end());
      splits.push_back(cuts);
    }
    std::string failure;
    for (auto& cuts : splits) {
      parser p(response ? message_type::response : message_type::request, parser_options{.lenient = flags});
      auto got = test::feed(p, input, cuts, eof, skip_body);
      std::string why = compare(expect, got);
      if (!why.empty()) {
        failure = id + " [" + (cuts.empty() ? "whole" : cuts.size() + 1 == input.size() ? "bytewise" : "split") +
                  "] " + str(row.at("name")) + ": " + why;
        break;
      }
    }
    if (failure.empty()) ++res.agreed;
    else res.failures.push_back(failure);
  }
  return res;
}

}  // namespace

TEST_CASE("conformance vectors from llhttp and http-parser", "[conformance]") {
  auto dir = conformance_dir();
  if (!std::filesystem::exists(dir))
    return test::skip("conformance data not found at " + dir.string() + " (a checkout without ../shared)");
  for (const char* file : {"llhttp-requests.jsonl", "llhttp-responses.jsonl", "http-parser-requests.jsonl",
                           "http-parser-responses.jsonl"}) {
    auto r = run_file(dir / file);
    std::cout << "conformance: " << file << ": " << r.ran << " ran, " << r.agreed << " agreed, " << r.skipped
              << " skipped\n";
    for (auto& s : r.skips) std::cout << "  skipped " << s << "\n";
    for (auto& f : r.failures) std::cout << "  DISAGREED " << f << "\n";
    INFO(file);
    CHECK(r.ran > 0);
    CHECK(r.agreed == r.ran);
  }
}
