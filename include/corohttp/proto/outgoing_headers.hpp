// The headers of a message being written (Node's OutgoingMessage: setHeader, getHeader,
// removeHeader, hasHeader, getHeaderNames, getHeaders). Names keep the case they were set with and
// match case-insensitively; a field may hold several values (sent as repeated lines, as Node does
// for arrays). Entries are reused across messages, so a warm connection sets headers without
// allocating.
#pragma once

#include <corohttp/proto/ascii.hpp>
#include <corohttp/proto/error.hpp>
#include <corohttp/proto/serializer.hpp>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <ranges>
#include <type_traits>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace corohttp {

class outgoing_headers {
 public:
  struct field {
    std::string name;                 ///< as set
    std::vector<std::string> values;  ///< one per line on the wire
    std::size_t count = 0;            ///< values in use (the rest are kept for reuse)
    std::span<const std::string> view() const noexcept { return {values.data(), count}; }
  };

  /// Node's setHeader(name, value): replaces any earlier value. Validated as Node validates.
  boost::system::error_code set(std::string_view name, std::string_view value) {
    if (auto ec = check_header_name(name)) return ec;
    if (auto ec = check_header_value(value)) return ec;
    field& f = slot(name);
    f.count = 0;
    put(f, value);
    return {};
  }
  /// setHeader(name, [v1, v2, ...])
  template <class Range>
    requires(!std::is_convertible_v<const Range&, std::string_view> &&
             std::is_convertible_v<std::ranges::range_reference_t<const Range&>, std::string_view>)
  boost::system::error_code set(std::string_view name, const Range& values) {
    if (auto ec = check_header_name(name)) return ec;
    for (std::string_view v : values)
      if (auto ec = check_header_value(v)) return ec;
    field& f = slot(name);
    f.count = 0;
    for (std::string_view v : values) put(f, v);
    return {};
  }
  boost::system::error_code set(std::string_view name, std::initializer_list<std::string_view> values) {
    return set<std::initializer_list<std::string_view>>(name, values);
  }
  boost::system::error_code set(std::string_view name, std::uint64_t value) {
    char digits[20];
    auto r = std::to_chars(digits, digits + sizeof digits, value);
    return set(name, std::string_view(digits, static_cast<std::size_t>(r.ptr - digits)));
  }

  /// Node's appendHeader(name, value): adds a value, keeping the others.
  boost::system::error_code append(std::string_view name, std::string_view value) {
    if (auto ec = check_header_name(name)) return ec;
    if (auto ec = check_header_value(value)) return ec;
    field* f = find_field(name);
    if (!f) f = &slot(name), f->count = 0;
    put(*f, value);
    return {};
  }

  /// Node's getHeader(name): the values, or an empty span when absent.
  std::span<const std::string> get_all(std::string_view name) const noexcept {
    const field* f = find_field(name);
    return f ? f->view() : std::span<const std::string>{};
  }
  /// The first value (the whole value when set from a string).
  std::optional<std::string_view> get(std::string_view name) const noexcept {
    const field* f = find_field(name);
    if (!f || f->count == 0) return std::nullopt;
    return std::string_view(f->values.front());
  }
  bool has(std::string_view name) const noexcept { return find_field(name) != nullptr; }

  /// Node's removeHeader(name); true if it was there.
  bool remove(std::string_view name) noexcept {
    for (std::size_t i = 0; i < used_; ++i) {
      if (ascii::iequals(fields_[i].name, name)) {
        // Keep the entry's storage for reuse: rotate it past the used ones.
        for (std::size_t j = i; j + 1 < used_; ++j) std::swap(fields_[j], fields_[j + 1]);
        --used_;
        return true;
      }
    }
    return false;
  }

  /// Node's getHeaderNames(): lowercase names in the order set.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const field& f : *this) out.push_back(ascii::to_lower(f.name));
    return out;
  }
  /// Node's getRawHeaderNames(): names as set.
  std::vector<std::string> raw_names() const {
    std::vector<std::string> out;
    for (const field& f : *this) out.push_back(f.name);
    return out;
  }

  void clear() noexcept { used_ = 0; }
  std::size_t size() const noexcept { return used_; }
  bool empty() const noexcept { return used_ == 0; }
  const field* begin() const noexcept { return fields_.data(); }
  const field* end() const noexcept { return fields_.data() + used_; }

  /// Writes every field as header lines (one line per value).
  void write_to(head_writer& w) const {
    for (const field& f : *this)
      for (const std::string& v : f.view()) w.trusted_field(f.name, v);
  }

 private:
  const field* find_field(std::string_view name) const noexcept {
    for (const field& f : *this)
      if (ascii::iequals(f.name, name)) return &f;
    return nullptr;
  }
  field* find_field(std::string_view name) noexcept {
    return const_cast<field*>(static_cast<const outgoing_headers*>(this)->find_field(name));
  }
  field& slot(std::string_view name) {
    if (field* f = find_field(name)) {
      f->name.assign(name);  // Node keeps the latest spelling
      return *f;
    }
    if (used_ == fields_.size()) fields_.emplace_back();
    field& f = fields_[used_++];
    if (f.name != name) f.name.assign(name);  // a reused entry mostly holds this very name already
    f.count = 0;
    return f;
  }
  static void put(field& f, std::string_view v) {
    if (f.count < f.values.size()) {
      if (f.values[f.count] != v) f.values[f.count].assign(v);
    }
    else f.values.emplace_back(v);
    ++f.count;
  }

  std::vector<field> fields_;
  std::size_t used_ = 0;
};

}  // namespace corohttp
