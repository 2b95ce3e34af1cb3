// server_response's out-of-line members (see corohttp/config.hpp).
#pragma once

#include <corohttp/server_response.hpp>

namespace corohttp {

COROHTTP_DECL boost::system::error_code server_response::remove_header(std::string_view name) {
  if (head_built_) return error::headers_sent;
  if (ascii::iequals(name, "content-length")) removed_content_length_ = true;
  if (ascii::iequals(name, "transfer-encoding")) removed_transfer_encoding_ = true;
  if (ascii::iequals(name, "date")) send_date = false;
  headers_.remove(name);
  return {};
}

COROHTTP_DECL boost::system::error_code server_response::write_head(
    int status, std::string_view message, std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  if (head_built_) return error::headers_sent;
  if (status < 100 || status > 999) return error::invalid_status_code;
  for (auto& [n, v] : fields)
    if (auto ec = headers_.set(n, v)) return ec;
  status_code = status;
  if (!message.empty()) {
    if (auto ec = check_header_value(message)) return ec;
    status_message.assign(message);
  }
  return build_head(std::nullopt);
}

COROHTTP_DECL awaitable<boost::system::error_code> server_response::write_continue() {
  static constexpr std::string_view line = "HTTP/1.1 100 Continue\r\n\r\n";
  std::span<const std::string_view> pieces(&line, 1);
  std::size_t sent = 0;
  boost::system::error_code ec;
  if (!sink_->try_write(pieces, false, sent, ec)) ec = co_await sink_->write_rest(pieces, sent);
  co_return ec;
}

COROHTTP_DECL awaitable<boost::system::error_code> server_response::write_early_hints(
    std::initializer_list<std::string_view> links) {
  head_writer w;
  (void)w.status_line(103, "Early Hints");
  for (std::string_view l : links)
    if (auto ec = w.field("Link", l)) co_return ec;
  w.end();
  std::string_view piece = w.data();
  std::span<const std::string_view> pieces(&piece, 1);
  std::size_t sent = 0;
  boost::system::error_code ec;
  if (!sink_->try_write(pieces, false, sent, ec)) ec = co_await sink_->write_rest(pieces, sent);
  co_return ec;
}

COROHTTP_DECL boost::system::error_code server_response::add_trailers(
    std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  for (auto& [n, v] : fields) {
    if (auto ec = check_header_name(n)) return ec;
    if (auto ec = check_header_value(v)) return ec;
    trailers_.add(n, v);
  }
  return {};
}

COROHTTP_DECL awaitable<boost::system::error_code> server_response::write(std::string_view data) {
  if (ended_) co_return error::write_after_end;
  if (!head_built_)
    if (auto ec = build_head(std::nullopt)) co_return ec;
  std::array<std::string_view, 4> pieces;
  std::size_t n = 0;
  if (!head_sent_) pieces[n++] = head_.data();
  chunk_header frame(data.size());
  if (!data.empty() && plan_.framing != body_framing::none) {
    if (plan_.framing == body_framing::chunked) {
      pieces[n++] = frame.view();
      pieces[n++] = data;
      pieces[n++] = chunk_crlf;
    } else {
      if (auto ec = count_body(data.size())) co_return ec;
      pieces[n++] = data;
    }
  }
  if (n == 0) co_return boost::system::error_code{};
  head_sent_ = true;
  std::span<const std::string_view> out(pieces.data(), n);
  std::size_t sent = 0;
  boost::system::error_code ec;
  if (!sink_->try_write(out, false, sent, ec)) ec = co_await sink_->write_rest(out, sent);
  co_return ec;
}

COROHTTP_DECL awaitable<boost::system::error_code> server_response::end(std::string_view data) {
  if (ended_) co_return boost::system::error_code{};
  if (!head_built_)
    if (auto ec = build_head(data.size())) co_return ec;
  ended_ = true;
  std::array<std::string_view, 5> pieces;
  std::size_t n = 0;
  if (!head_sent_) pieces[n++] = head_.data();
  chunk_header frame(data.size());
  boost::system::error_code body_ec;
  if (plan_.framing == body_framing::chunked) {
    if (!data.empty()) {
      pieces[n++] = frame.view();
      pieces[n++] = data;
      pieces[n++] = chunk_crlf;
    }
    if (trailers_.empty()) {
      pieces[n++] = last_chunk;
    } else if (auto ec = last_.write(trailers_)) {
      body_ec = ec;
      pieces[n++] = last_chunk;
    } else {
      pieces[n++] = last_.data();
    }
  } else if (plan_.framing != body_framing::none && !data.empty()) {
    body_ec = count_body(data.size());
    if (!body_ec && n == 1 && data.size() <= small_body) {
      head_.append_body(data);  // a small body joins its head: one buffer, one send()
      pieces[0] = head_.data();
    } else if (!body_ec) {
      pieces[n++] = data;
    }
  }
  if (plan_.framing == body_framing::length && declared_length_ && body_bytes_ != *declared_length_)
    must_close_ = true;  // the peer would wait for bytes that never come, or misread extra ones
  head_sent_ = true;
  std::span<const std::string_view> out(pieces.data(), n);
  std::size_t sent = 0;
  boost::system::error_code ec;
  if (!sink_->try_write(out, true, sent, ec)) ec = co_await sink_->write_rest(out, sent);
  finish_.set();
  co_return ec ? ec : body_ec;
}

COROHTTP_DECL void server_response::reset(detail::response_sink* sink, const detail::response_context& ctx) {
  sink_ = sink;
  ctx_ = ctx;
  status_code = 200;
  status_message.clear();
  send_date = true;
  headers_.clear();
  trailers_.clear();
  head_built_ = head_sent_ = ended_ = must_close_ = false;
  removed_content_length_ = removed_transfer_encoding_ = false;
  body_bytes_ = 0;
  declared_length_.reset();
  plan_ = {};
  keep_alive_ = ctx.keep_alive;
  finish_.reset();
}

COROHTTP_DECL boost::system::error_code server_response::count_body(std::size_t n) {
  body_bytes_ += n;
  if (declared_length_ && body_bytes_ > *declared_length_) {
    body_bytes_ -= n;
    must_close_ = true;
    return error::content_length_mismatch;
  }
  return {};
}

COROHTTP_DECL boost::system::error_code server_response::build_head(std::optional<std::uint64_t> known_length) {
  const bool body_allowed =
      !ctx_.head_request && !(status_code >= 100 && status_code < 200) && status_code != 204 && status_code != 304;
  head_.clear();
  if (!status_message.empty()) {
    if (auto ec = head_.status_line(status_code, status_message)) return ec;
  } else {
    std::string_view reason = status_text(status_code);
    if (auto ec = head_.trusted_status_line(status_code, reason.empty() ? "unknown" : reason)) return ec;
  }
  headers_.write_to(head_);

  framing_input in;
  in.body_allowed = body_allowed;
  in.known_length = known_length;
  in.chunked_allowed = !ctx_.http10;
  in.removed_content_length = removed_content_length_;
  in.removed_transfer_encoding = removed_transfer_encoding_;
  in.trailers = !trailers_.empty();
  bool user_connection = false;
  for (const auto& f : headers_) {
    if (ascii::iequals(f.name, "content-length")) {
      in.user_content_length = true;
      std::uint64_t n = 0;
      std::string_view v = f.values.front();
      auto r = std::from_chars(v.data(), v.data() + v.size(), n);
      if (r.ec == std::errc() && r.ptr == v.data() + v.size()) declared_length_ = n;
    } else if (ascii::iequals(f.name, "transfer-encoding")) {
      in.user_transfer_encoding = true;
      std::string_view v = ascii::trim_ows(f.values.back());
      in.user_te_chunked = v.size() >= 7 && ascii::iequals(v.substr(v.size() - 7), "chunked");
    } else if (ascii::iequals(f.name, "connection")) {
      user_connection = true;
      for (const auto& v : f.view())
        if (v.find("close") != std::string::npos || v.find("Close") != std::string::npos) keep_alive_ = false;
    }
  }
  if (!body_allowed) in.user_content_length = in.user_transfer_encoding = false;
  plan_ = choose_framing(in);
  if (!body_allowed) plan_.framing = body_framing::none;
  if (plan_.close_delimited) keep_alive_ = false;

  const bool date = send_date && !headers_.has("date");
  if (!user_connection) {
    const bool can_keep = keep_alive_ && plan_.framing != body_framing::eof;
    if (can_keep && !ctx_.last_allowed) {
      if (date) {
        head_.trusted_lines(sink_->keep_alive_fields());  // the usual case: one copy
      } else {
        head_.trusted_field("Connection", "keep-alive");
        if (!ctx_.keep_alive_header.empty()) head_.trusted_field("Keep-Alive", ctx_.keep_alive_header);
      }
    } else {
      if (date) head_.trusted_field("Date", sink_->date());
      keep_alive_ = false;
      head_.trusted_field("Connection", "close");
    }
  } else if (date) {
    head_.trusted_field("Date", sink_->date());
  }
  if (plan_.add_content_length) {
    head_.trusted_field("Content-Length", plan_.content_length);
    declared_length_ = plan_.content_length;
  }
  if (plan_.add_chunked) head_.trusted_field("Transfer-Encoding", "chunked");
  head_.end();
  head_built_ = true;
  return {};
}

}  // namespace corohttp
