// incoming_message's out-of-line members (see corohttp/config.hpp).
#pragma once

#include <corohttp/incoming_message.hpp>
#include <corohttp/proto/parser.hpp>

namespace corohttp {

COROHTTP_DECL awaitable<std::optional<std::string_view>> incoming_message::read() {
  if (done_ || !source_) co_return std::nullopt;
  if (!decoder_) {
    auto chunk = co_await source_->read_body(ec_);
    if (!chunk) finish_body();
    co_return chunk;
  }
  for (;;) {
    auto chunk = co_await source_->read_body(ec_);
    if (!chunk) {
      finish_body();
      decoded_ = decoder_->end();
      if (decoded_.empty()) co_return std::nullopt;
      co_return std::string_view(decoded_);
    }
    decoded_ = decoder_->write(*chunk);
    if (!decoded_.empty()) co_return std::string_view(decoded_);
  }
}

COROHTTP_DECL awaitable<boost::system::error_code> incoming_message::read_all(std::string& out, std::size_t limit) {
  while (auto chunk = co_await read()) {
    if (chunk->size() > limit - std::min(limit, out.size())) {
      out.append(chunk->substr(0, limit - out.size()));
      co_return error::body_too_large;
    }
    out.append(*chunk);
  }
  co_return ec_;
}

COROHTTP_DECL awaitable<std::string> incoming_message::body(std::size_t limit) {
  std::string out;
  if (auto ec = co_await read_all(out, limit)) throw boost::system::system_error(ec);
  co_return out;
}

COROHTTP_DECL boost::system::error_code incoming_message::set_encoding(std::string_view encoding) {
  auto e = detail::parse_encoding(encoding);
  if (!e) return error::unknown_encoding;
  decoder_.emplace(*e);
  return {};
}

COROHTTP_DECL void incoming_message::assign(const message_head& head, detail::message_source* source) {
  method_ = head.method;
  if (method_text_ != head.method_text) method_text_.assign(head.method_text);  // mostly the same as last time
  url_.assign(head.target);
  status_ = head.status;
  if (reason_ != head.reason) reason_.assign(head.reason);
  major_ = head.version_major;
  minor_ = head.version_minor;
  version_[0] = static_cast<char>('0' + major_);
  version_[1] = '.';
  version_[2] = static_cast<char>('0' + minor_);
  fields_.clear();
  for (header_field f : head.headers) fields_.add(f.name, f.value);
  trailer_fields_.clear();
  merged_.reset();
  merged_trailers_.reset();
  keep_alive_ = head.keep_alive;
  expect_continue_ = head.expect_continue;
  complete_ = false;
  aborted_ = false;
  done_ = head.framing == body_framing::none;
  if (done_) complete_ = true;
  ec_ = {};
  decoder_.reset();
  source_ = source;
}

COROHTTP_DECL void incoming_message::set_trailers(std::span<const header_field> trailers) {
  trailer_fields_.clear();
  for (header_field f : trailers) trailer_fields_.add(f.name, f.value);
  merged_trailers_.reset();
}

}  // namespace corohttp
