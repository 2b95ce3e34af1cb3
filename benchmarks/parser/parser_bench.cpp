// Parser throughput: corohttp against its peers in one binary, on the same bytes.
//
// Each workload is a 4 MiB buffer of messages packed back to back (pipelined) and parsed in one pass,
// as a connection would read them: every parser is handed the rest of the buffer, parses one message
// after another and counts them; the counts (messages, body bytes) are checked against the buffer's
// layout after every pass. Before each timed pass the buffer is copied again from a pristine image
// (untimed; picohttpparser's chunked decoder rewrites it in place).
//
// Peers (each compiled in only when available; a missing one is reported and skipped):
// Workloads: browser, minimal, chunked (one message repeated), mix (those three in a fixed random
// order) and varied (six different realistic requests in turn).
//
//   corohttp     parser::parse() on the rest of the buffer until `complete`
//   pico         picohttpparser: phr_parse_request / phr_parse_response, the framing headers looked
//                up by the caller as a pico user must, phr_decode_chunked for chunked bodies
//   llhttp       one llhttp_execute() over the whole buffer with on_url / on_header_field /
//                on_header_value / on_body / on_message_complete callbacks doing next to nothing
//   beast-cb     a boost::beast::http::basic_parser subclass with trivial callbacks, one per message
//                (Beast parsers cannot be reused)
//   beast-msg    http::request_parser<empty_body> / response_parser<string_body>, one per message,
//                building the message
//
// Usage: parser_bench [--runs N] [--seconds S] [--parsers a,b] [--workloads a,b] [--raw]
// Prints Markdown tables of the medians over N runs (throughput in MB/s, 1 MB = 10^6 bytes).
#include <corohttp/proto/parser.hpp>

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#ifdef COROHTTP_BENCH_HAVE_LLHTTP
#include <llhttp.h>
#endif
#ifdef COROHTTP_BENCH_HAVE_PICO
#include <strings.h>
#include <picohttpparser.h>
#endif

namespace {

namespace http = boost::beast::http;

// --- workloads -----------------------------------------------------------------------------------

enum class kind : std::uint8_t { browser, minimal, chunked, varied };

// A browser-like request: ~420 bytes, 10 header fields.
constexpr std::string_view browser_request =
    "GET /assets/js/app.7c1e2a94.min.js HTTP/1.1\r\n"
    "Host: www.shop.example\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/125.0.0.0 Safari/537.36\r\n"
    "Accept: */*\r\n"
    "Accept-Language: en-GB,en;q=0.9\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Referer: https://www.shop.example/cart\r\n"
    "Sec-Fetch-Dest: script\r\n"
    "Sec-Fetch-Mode: no-cors\r\n"
    "Connection: keep-alive\r\n"
    "Cookie: sid=4f9d2b81c07e; theme=dark\r\n"
    "\r\n";

// Realistic requests with different field names, orders, lengths and values (browsers, an API
// client, curl), taken in turn: so that no scanner's exits repeat with a period of one message.
constexpr std::string_view varied_requests[] = {
    "GET /en-US/docs/Web/HTTP/Headers HTTP/1.1\r\n"
    "Host: developer.mozilla.org\r\n"
    "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    "Accept-Language: en-US,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br, zstd\r\n"
    "DNT: 1\r\n"
    "Connection: keep-alive\r\n"
    "Upgrade-Insecure-Requests: 1\r\n"
    "Sec-Fetch-Dest: document\r\n"
    "Sec-Fetch-Mode: navigate\r\n"
    "Sec-Fetch-Site: none\r\n"
    "Sec-Fetch-User: ?1\r\n"
    "Priority: u=0, i\r\n"
    "\r\n",
    "GET /api/v2/orders?status=open&page=3 HTTP/1.1\r\n"
    "Host: api.shop.example\r\n"
    "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk\r\n"
    "Accept: application/json\r\n"
    "X-Request-ID: 7f3c9a2e-51b4-4c1d-9e0a-2b6f8d4e1c33\r\n"
    "\r\n",
    "GET /static/img/hero@2x.webp HTTP/1.1\r\n"
    "Host: cdn.shop.example\r\n"
    "Connection: keep-alive\r\n"
    "sec-ch-ua: \"Chromium\";v=\"125\", \"Not.A/Brand\";v=\"24\"\r\n"
    "sec-ch-ua-mobile: ?0\r\n"
    "User-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/125.0.0.0 Safari/537.36\r\n"
    "sec-ch-ua-platform: \"macOS\"\r\n"
    "Accept: image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8\r\n"
    "Sec-Fetch-Site: same-site\r\n"
    "Sec-Fetch-Mode: no-cors\r\n"
    "Sec-Fetch-Dest: image\r\n"
    "Referer: https://www.shop.example/\r\n"
    "Accept-Encoding: gzip, deflate, br, zstd\r\n"
    "Accept-Language: de-DE,de;q=0.9,en;q=0.8\r\n"
    "If-None-Match: \"5d8c72a5edda8\"\r\n"
    "If-Modified-Since: Mon, 03 Jun 2024 10:12:44 GMT\r\n"
    "\r\n",
    "GET /robots.txt HTTP/1.1\r\n"
    "Host: www.shop.example\r\n"
    "User-Agent: curl/8.5.0\r\n"
    "Accept: */*\r\n"
    "\r\n",
    "HEAD /downloads/release-4.2.1.tar.gz HTTP/1.1\r\n"
    "Host: downloads.example.org\r\n"
    "User-Agent: Wget/1.21.4\r\n"
    "Accept: */*\r\n"
    "Accept-Encoding: identity\r\n"
    "Connection: Keep-Alive\r\n"
    "\r\n",
    "GET /account/settings HTTP/1.1\r\n"
    "Host: www.shop.example\r\n"
    "User-Agent: Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.5 Mobile/15E148 Safari/604.1\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    "Accept-Language: fr-FR,fr;q=0.9\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Cookie: sid=0c5e7d9a3b1f4e2d; cart=3; consent=analytics:0|ads:0; theme=light; _ga=GA1.2.123456789.1717400000\r\n"
    "Referer: https://www.shop.example/account\r\n"
    "Connection: keep-alive\r\n"
    "\r\n",
};
constexpr std::size_t varied_count = sizeof varied_requests / sizeof varied_requests[0];

constexpr std::string_view minimal_request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

// A response with a 4-chunk body (26 + 16 + 8 + 19 = 69 bytes) and one trailer field.
constexpr std::string_view chunked_response =
    "HTTP/1.1 200 OK\r\n"
    "Date: Tue, 11 Jun 2024 09:30:00 GMT\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Transfer-Encoding: chunked\r\n"
    "Trailer: X-Checksum\r\n"
    "\r\n"
    "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n"
    "10\r\n0123456789abcdef\r\n"
    "8\r\nchunk #3\r\n"
    "13\r\nthe fourth and last\r\n"
    "0\r\n"
    "X-Checksum: 5e1f09aa\r\n"
    "\r\n";
constexpr std::uint64_t chunked_body_size = 26 + 16 + 8 + 19;

std::string_view text_of(kind k) {
  switch (k) {
    case kind::browser: return browser_request;
    case kind::minimal: return minimal_request;
    case kind::chunked: return chunked_response;
    case kind::varied: return varied_requests[0];
  }
  return {};
}
std::uint64_t body_of(kind k) { return k == kind::chunked ? chunked_body_size : 0; }

struct workload {
  std::string name;
  std::string pristine;              // the bytes, 4 MiB at most
  std::vector<kind> kinds;           // message by message
  std::vector<std::uint32_t> ends;   // end offset of each message (only pico's chunked decoder uses it)
  bool mixed = false;                // requests and responses: the harness switches parsers per message
  bool has_responses = false;
  std::uint64_t body_bytes = 0;
};

constexpr std::size_t buffer_size = 4 * 1024 * 1024;

workload make_workload(std::string name, std::vector<kind> choices) {
  workload w;
  w.name = std::move(name);
  w.mixed = choices.size() > 1;
  w.pristine.reserve(buffer_size);
  std::uint64_t state = 0x9e3779b97f4a7c15ull;  // splitmix64, fixed seed: the same order every run
  auto next = [&] {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  for (std::size_t count = 0;; ++count) {
    kind k = choices.size() == 1 ? choices[0] : choices[next() % choices.size()];
    std::string_view m = k == kind::varied ? varied_requests[count % varied_count] : text_of(k);
    if (w.pristine.size() + m.size() > buffer_size) break;
    w.pristine.append(m);
    w.kinds.push_back(k);
    w.ends.push_back(static_cast<std::uint32_t>(w.pristine.size()));
    w.body_bytes += body_of(k);
    if (k == kind::chunked) w.has_responses = true;
  }
  return w;
}

// --- harnesses -------------------------------------------------------------------------------------

struct counts {
  std::uint64_t msgs = 0;
  std::uint64_t body = 0;
  std::uint64_t sink = 0;  // a little of what a user reads (target length, field count), kept observable
  bool ok = true;
};

using harness = counts (*)(const workload&, char*, std::size_t);

// corohttp ----------------------------------------------------------------------------------------

bool coro_message(corohttp::parser& p, std::string_view& rest, counts& c) {
  for (;;) {
    corohttp::parser::step s = p.parse(rest);
    rest.remove_prefix(s.consumed);
    switch (s.what) {
      case corohttp::parser::event::head: {
        const corohttp::message_head& h = p.head();
        c.sink += h.target.size() + h.headers.size();
        break;
      }
      case corohttp::parser::event::body: c.body += s.body.size(); break;
      case corohttp::parser::event::complete: ++c.msgs; return true;
      default: return false;  // need_more on a whole message, or an error
    }
  }
}

counts run_corohttp(const workload& w, char* buf, std::size_t n) {
  counts c;
  corohttp::parser req(corohttp::message_type::request);
  corohttp::parser res(corohttp::message_type::response);
  std::string_view rest(buf, n);
  if (!w.mixed) {
    corohttp::parser& p = w.has_responses ? res : req;
    while (!rest.empty())
      if (!coro_message(p, rest, c)) { c.ok = false; break; }
  } else {
    for (kind k : w.kinds)
      if (!coro_message(k == kind::chunked ? res : req, rest, c)) { c.ok = false; break; }
  }
  return c;
}

// Boost.Beast, callbacks ---------------------------------------------------------------------------

template <bool isRequest>
class cb_parser final : public http::basic_parser<isRequest> {
 public:
  explicit cb_parser(counts& c) : c_(c) {}

 private:
  using sv = boost::beast::string_view;
  using ec_t = boost::beast::error_code;
  void on_request_impl(http::verb, sv, sv target, int, ec_t&) override { c_.sink += target.size(); }
  void on_response_impl(int, sv, int, ec_t&) override {}
  void on_field_impl(http::field, sv, sv, ec_t&) override { ++c_.sink; }
  void on_header_impl(ec_t&) override {}
  void on_body_init_impl(boost::optional<std::uint64_t> const&, ec_t&) override {}
  std::size_t on_body_impl(sv body, ec_t&) override {
    c_.body += body.size();
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, sv, ec_t&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, sv body, ec_t&) override {
    c_.body += body.size();
    return body.size();
  }
  void on_finish_impl(ec_t&) override { ++c_.msgs; }

  counts& c_;
};

template <class Parser>
bool beast_put_all(Parser& p, std::string_view& rest) {
  p.eager(true);
  while (!p.is_done()) {
    boost::beast::error_code ec;
    std::size_t used = p.put(boost::asio::const_buffer(rest.data(), rest.size()), ec);
    if (ec) return false;
    rest.remove_prefix(used);
  }
  return true;
}

template <bool isRequest>
bool beast_cb_message(std::string_view& rest, counts& c) {
  cb_parser<isRequest> p(c);  // a Beast parser parses one message
  return beast_put_all(p, rest);
}

counts run_beast_cb(const workload& w, char* buf, std::size_t n) {
  counts c;
  std::string_view rest(buf, n);
  if (!w.mixed) {
    while (!rest.empty())
      if (!(w.has_responses ? beast_cb_message<false>(rest, c) : beast_cb_message<true>(rest, c))) { c.ok = false; break; }
  } else {
    for (kind k : w.kinds)
      if (!(k == kind::chunked ? beast_cb_message<false>(rest, c) : beast_cb_message<true>(rest, c))) { c.ok = false; break; }
  }
  return c;
}

// Boost.Beast, message parsers ---------------------------------------------------------------------

bool beast_msg_request(std::string_view& rest, counts& c) {
  http::request_parser<http::empty_body> p;
  if (!beast_put_all(p, rest)) return false;
  c.sink += p.get().target().size();
  ++c.msgs;
  return true;
}

bool beast_msg_response(std::string_view& rest, counts& c) {
  http::response_parser<http::string_body> p;
  if (!beast_put_all(p, rest)) return false;
  c.body += p.get().body().size();
  ++c.msgs;
  return true;
}

counts run_beast_msg(const workload& w, char* buf, std::size_t n) {
  counts c;
  std::string_view rest(buf, n);
  if (!w.mixed) {
    while (!rest.empty())
      if (!(w.has_responses ? beast_msg_response(rest, c) : beast_msg_request(rest, c))) { c.ok = false; break; }
  } else {
    for (kind k : w.kinds)
      if (!(k == kind::chunked ? beast_msg_response(rest, c) : beast_msg_request(rest, c))) { c.ok = false; break; }
  }
  return c;
}

// llhttp ------------------------------------------------------------------------------------------

#ifdef COROHTTP_BENCH_HAVE_LLHTTP
struct llhttp_ctx {
  counts c;
  const workload* w = nullptr;
  std::size_t index = 0;  // message being parsed
  kind current = kind::browser;
};

int ll_on_url(llhttp_t* p, const char*, std::size_t len) {
  static_cast<llhttp_ctx*>(p->data)->c.sink += len;
  return 0;
}
int ll_on_header_field(llhttp_t*, const char*, std::size_t) { return 0; }
int ll_on_header_value(llhttp_t* p, const char*, std::size_t) {
  ++static_cast<llhttp_ctx*>(p->data)->c.sink;
  return 0;
}
int ll_on_body(llhttp_t* p, const char*, std::size_t len) {
  static_cast<llhttp_ctx*>(p->data)->c.body += len;
  return 0;
}
int ll_on_message_complete(llhttp_t* p) {
  auto* x = static_cast<llhttp_ctx*>(p->data);
  ++x->c.msgs;
  // In the mixed workload the other parser takes over when the kind of message changes: pause here.
  if (x->w->mixed) {
    ++x->index;
    if (x->index < x->w->kinds.size() && (x->w->kinds[x->index] == kind::chunked) != (x->current == kind::chunked))
      return HPE_PAUSED;
  }
  return 0;
}

counts run_llhttp(const workload& w, char* buf, std::size_t n) {
  llhttp_settings_t settings;
  llhttp_settings_init(&settings);
  settings.on_url = ll_on_url;
  settings.on_header_field = ll_on_header_field;
  settings.on_header_value = ll_on_header_value;
  settings.on_body = ll_on_body;
  settings.on_message_complete = ll_on_message_complete;
  llhttp_ctx x;
  x.w = &w;
  llhttp_t req, res;
  llhttp_init(&req, HTTP_REQUEST, &settings);
  llhttp_init(&res, HTTP_RESPONSE, &settings);
  req.data = res.data = &x;
  const char* p = buf;
  const char* end = buf + n;
  while (p < end) {
    x.current = w.kinds[x.index];
    llhttp_t* ll = x.current == kind::chunked ? &res : &req;
    llhttp_errno_t e = llhttp_execute(ll, p, static_cast<std::size_t>(end - p));
    if (e == HPE_OK) break;
    if (e != HPE_PAUSED) { x.c.ok = false; break; }
    p = llhttp_get_error_pos(ll);
    llhttp_resume(ll);
  }
  return x.c;
}
#endif

// picohttpparser ----------------------------------------------------------------------------------

#ifdef COROHTTP_BENCH_HAVE_PICO
// What a pico user must do after the head: find how the body is framed.
struct pico_framing {
  bool chunked = false;
  std::uint64_t length = 0;
};
pico_framing pico_frame(const phr_header* h, std::size_t nh) {
  pico_framing f;
  for (std::size_t i = 0; i < nh; ++i) {
    if (h[i].name_len == 14 && strncasecmp(h[i].name, "content-length", 14) == 0) {
      for (std::size_t k = 0; k < h[i].value_len; ++k) f.length = f.length * 10 + static_cast<unsigned>(h[i].value[k] - '0');
    } else if (h[i].name_len == 17 && strncasecmp(h[i].name, "transfer-encoding", 17) == 0) {
      f.chunked = h[i].value_len >= 7 && strncasecmp(h[i].value + h[i].value_len - 7, "chunked", 7) == 0;
    }
  }
  return f;
}

// phr_decode_chunked compacts the rest of the window it is given in place (a memmove of it per call),
// so it gets the message's exact extent from the layout, not the rest of the 4 MiB buffer (which
// would make the pass quadratic). This favours pico slightly: it learns where the message ends.
bool pico_body(char*& p, const char* msg_end, const pico_framing& f, counts& c) {
  if (f.chunked) {
    phr_chunked_decoder d{};
    d.consume_trailer = 1;
    std::size_t size = static_cast<std::size_t>(msg_end - p);
    ssize_t left = phr_decode_chunked(&d, p, &size);
    if (left != 0) return false;
    c.body += size;
    p = const_cast<char*>(msg_end);
  } else {
    c.body += f.length;
    p += f.length;
  }
  return true;
}

bool pico_request(char*& p, const char* end, const char* msg_end, counts& c) {
  const char *method, *path;
  std::size_t method_len, path_len, nh = 64;
  int minor;
  phr_header h[64];
  int r = phr_parse_request(p, static_cast<std::size_t>(end - p), &method, &method_len, &path, &path_len, &minor, h, &nh, 0);
  if (r <= 0) return false;
  c.sink += path_len + nh;
  p += r;
  if (!pico_body(p, msg_end, pico_frame(h, nh), c)) return false;
  ++c.msgs;
  return true;
}

bool pico_response(char*& p, const char* end, const char* msg_end, counts& c) {
  const char* msg;
  std::size_t msg_len, nh = 64;
  int minor, status;
  phr_header h[64];
  int r = phr_parse_response(p, static_cast<std::size_t>(end - p), &minor, &status, &msg, &msg_len, h, &nh, 0);
  if (r <= 0) return false;
  c.sink += nh;
  p += r;
  if (!pico_body(p, msg_end, pico_frame(h, nh), c)) return false;
  ++c.msgs;
  return true;
}

counts run_pico(const workload& w, char* buf, std::size_t n) {
  counts c;
  char* p = buf;
  const char* end = buf + n;
  std::size_t i = 0;
  if (!w.mixed) {
    while (p < end) {
      bool ok = w.has_responses ? pico_response(p, end, buf + w.ends[i], c) : pico_request(p, end, buf + w.ends[i], c);
      if (!ok) { c.ok = false; break; }
      ++i;
    }
  } else {
    for (kind k : w.kinds) {
      bool ok = k == kind::chunked ? pico_response(p, end, buf + w.ends[i], c) : pico_request(p, end, buf + w.ends[i], c);
      if (!ok) { c.ok = false; break; }
      ++i;
    }
  }
  return c;
}
#endif

// --- measuring -----------------------------------------------------------------------------------

struct peer {
  std::string name;
  harness run;  // nullptr: not compiled in
  std::string why_missing;
};

std::vector<peer> all_peers() {
  std::vector<peer> v;
  v.push_back({"corohttp", run_corohttp, ""});
#ifdef COROHTTP_BENCH_HAVE_PICO
  v.push_back({"pico", run_pico, ""});
#else
  v.push_back({"pico", nullptr, "picohttpparser sources were not found at configure time"});
#endif
#ifdef COROHTTP_BENCH_HAVE_LLHTTP
  v.push_back({"llhttp", run_llhttp, ""});
#else
  v.push_back({"llhttp", nullptr, "llhttp sources were not found at configure time"});
#endif
  v.push_back({"beast-cb", run_beast_cb, ""});
  v.push_back({"beast-msg", run_beast_msg, ""});
  return v;
}

struct sample {
  double mb_per_s = 0;
  double msgs_per_s = 0;
};

using clock_type = std::chrono::steady_clock;

sample measure(const workload& w, const peer& pr, std::string& work, double seconds) {
  const std::size_t n = w.pristine.size();
  auto check = [&](const counts& c) {
    if (!c.ok || c.msgs != w.kinds.size() || c.body != w.body_bytes) {
      std::fprintf(stderr, "%s on %s: parsed %llu messages, %llu body bytes%s; expected %zu, %llu\n", pr.name.c_str(),
                   w.name.c_str(), static_cast<unsigned long long>(c.msgs), static_cast<unsigned long long>(c.body),
                   c.ok ? "" : " (error)", w.kinds.size(), static_cast<unsigned long long>(w.body_bytes));
      std::exit(1);
    }
  };
  // One warm-up pass, checked.
  std::memcpy(work.data(), w.pristine.data(), n);
  check(pr.run(w, work.data(), n));

  double elapsed = 0;
  std::uint64_t passes = 0;
  static volatile std::uint64_t sink;
  while (elapsed < seconds || passes < 3) {
    std::memcpy(work.data(), w.pristine.data(), n);
    auto t0 = clock_type::now();
    counts c = pr.run(w, work.data(), n);
    auto t1 = clock_type::now();
    check(c);
    sink = sink + c.sink;
    elapsed += std::chrono::duration<double>(t1 - t0).count();
    ++passes;
  }
  double bytes = static_cast<double>(n) * static_cast<double>(passes);
  double msgs = static_cast<double>(w.kinds.size()) * static_cast<double>(passes);
  return {bytes / elapsed / 1e6, msgs / elapsed};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    auto c = s.find(',');
    out.emplace_back(s.substr(0, c));
    if (c == std::string_view::npos) break;
    s.remove_prefix(c + 1);
  }
  return out;
}

bool selected(const std::vector<std::string>& only, const std::string& name) {
  return only.empty() || std::find(only.begin(), only.end(), name) != only.end();
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: parser_bench [--runs N] [--seconds S] [--parsers corohttp,pico,llhttp,beast-cb,beast-msg]\n"
               "                    [--workloads browser,minimal,chunked,mix,varied] [--raw]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  double seconds = 0.3;
  bool raw = false;
  std::vector<std::string> only_parsers, only_workloads;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--runs") runs = std::atoi(std::string(value()).c_str());
    else if (a == "--seconds") seconds = std::atof(std::string(value()).c_str());
    else if (a == "--parsers") only_parsers = split(value());
    else if (a == "--workloads") only_workloads = split(value());
    else if (a == "--raw") raw = true;
    else usage();
  }
  if (runs < 1 || seconds <= 0) usage();

  std::vector<workload> workloads;
  for (auto& [name, kinds] : std::vector<std::pair<std::string, std::vector<kind>>>{
           {"browser", {kind::browser}},
           {"minimal", {kind::minimal}},
           {"chunked", {kind::chunked}},
           {"mix", {kind::browser, kind::minimal, kind::chunked}},
           {"varied", {kind::varied}}})
    if (selected(only_workloads, name)) workloads.push_back(make_workload(name, kinds));

  std::vector<peer> peers;
  for (peer& p : all_peers()) {
    if (!selected(only_parsers, p.name)) continue;
    if (!p.run) {
      std::printf("note: %s skipped: %s\n", p.name.c_str(), p.why_missing.c_str());
      continue;
    }
    peers.push_back(p);
  }
  if (workloads.empty() || peers.empty()) usage();

  std::printf("messages: browser %zu B, minimal %zu B, chunked response %zu B (body %llu B in 4 chunks + trailer)\n",
              browser_request.size(), minimal_request.size(), chunked_response.size(),
              static_cast<unsigned long long>(chunked_body_size));
  std::printf("varied: %zu different requests taken in turn (", varied_count);
  for (std::size_t i = 0; i < varied_count; ++i) std::printf("%s%zu", i ? ", " : "", varied_requests[i].size());
  std::printf(" B)\n");
  for (const workload& w : workloads)
    std::printf("workload %-8s %zu bytes, %zu messages\n", w.name.c_str(), w.pristine.size(), w.kinds.size());
  std::printf("%d runs of >= %.2f s per parser and workload, interleaved; medians below\n\n", runs, seconds);
  std::fflush(stdout);

  std::string work(buffer_size, '\0');
  // samples[w][p] = one per run; runs are interleaved so that drift hits every parser alike.
  std::vector<std::vector<std::vector<sample>>> samples(workloads.size(), std::vector<std::vector<sample>>(peers.size()));
  for (int r = 0; r < runs; ++r) {
    for (std::size_t wi = 0; wi < workloads.size(); ++wi) {
      for (std::size_t pi = 0; pi < peers.size(); ++pi) {
        sample s = measure(workloads[wi], peers[pi], work, seconds);
        samples[wi][pi].push_back(s);
        if (raw)
          std::fprintf(stderr, "run %d %-8s %-10s %9.1f MB/s %8.3f Mmsg/s\n", r + 1, workloads[wi].name.c_str(),
                       peers[pi].name.c_str(), s.mb_per_s, s.msgs_per_s / 1e6);
      }
    }
  }

  std::vector<std::vector<sample>> med(workloads.size(), std::vector<sample>(peers.size()));
  for (std::size_t wi = 0; wi < workloads.size(); ++wi)
    for (std::size_t pi = 0; pi < peers.size(); ++pi) {
      std::vector<double> mb, msgs;
      for (const sample& s : samples[wi][pi]) {
        mb.push_back(s.mb_per_s);
        msgs.push_back(s.msgs_per_s);
      }
      med[wi][pi] = {median(mb), median(msgs)};
    }

  const bool have_coro = peers.front().name == "corohttp";
  // Table 1: MB/s and the ratios corohttp / peer (the same for messages/s: same bytes per message).
  std::printf("Throughput, MB/s (median of %d)%s\n\n| workload |", runs, have_coro ? "; ratio = corohttp / peer" : "");
  for (const peer& p : peers) std::printf(" %s |", p.name.c_str());
  if (have_coro)
    for (std::size_t pi = 1; pi < peers.size(); ++pi) std::printf(" ÷ %s |", peers[pi].name.c_str());
  std::printf("\n|---|");
  for (std::size_t i = 0; i < peers.size() + (have_coro ? peers.size() - 1 : 0); ++i) std::printf("---:|");
  std::printf("\n");
  for (std::size_t wi = 0; wi < workloads.size(); ++wi) {
    std::printf("| %s |", workloads[wi].name.c_str());
    for (std::size_t pi = 0; pi < peers.size(); ++pi) std::printf(" %.0f |", med[wi][pi].mb_per_s);
    if (have_coro)
      for (std::size_t pi = 1; pi < peers.size(); ++pi) std::printf(" %.2f |", med[wi][0].mb_per_s / med[wi][pi].mb_per_s);
    std::printf("\n");
  }
  // Table 2: messages per second.
  std::printf("\nMessages, millions per second (median of %d)\n\n| workload |", runs);
  for (const peer& p : peers) std::printf(" %s |", p.name.c_str());
  std::printf("\n|---|");
  for (std::size_t i = 0; i < peers.size(); ++i) std::printf("---:|");
  std::printf("\n");
  for (std::size_t wi = 0; wi < workloads.size(); ++wi) {
    std::printf("| %s |", workloads[wi].name.c_str());
    for (std::size_t pi = 0; pi < peers.size(); ++pi) std::printf(" %.2f |", med[wi][pi].msgs_per_s / 1e6);
    std::printf("\n");
  }
  return 0;
}
