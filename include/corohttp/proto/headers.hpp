// Header storage for one message: the raw (name, value) pairs in arrival order with their original
// case (Node's `rawHeaders`), and Node's merged view of them (Node's `headers` / `headersDistinct`).
#pragma once

#include <corohttp/proto/ascii.hpp>

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace corohttp {

struct header_field {
  std::string_view name;
  std::string_view value;
  friend bool operator==(const header_field&, const header_field&) = default;
};

/// How Node folds a repeated header into `message.headers` (lib/_http_incoming.js).
enum class merge_rule : std::uint8_t {
  join_comma,    ///< most headers: values joined with ", "
  join_cookie,   ///< `cookie`: joined with "; "
  array,         ///< `set-cookie`: always an array
  keep_first,    ///< single-valued headers: later duplicates are dropped
};

/// The rule Node applies to `name` (any case).
constexpr merge_rule merge_rule_for(std::string_view name) noexcept {
  constexpr std::string_view single_valued[] = {
      "host",          "content-type",        "content-length",    "user-agent",
      "referer",       "authorization",       "proxy-authorization", "if-modified-since",
      "if-unmodified-since", "from",          "location",          "max-forwards",
      "retry-after",   "etag",                "last-modified",     "server",
      "age",           "expires"};
  if (ascii::iequals(name, "set-cookie")) return merge_rule::array;
  if (ascii::iequals(name, "cookie")) return merge_rule::join_cookie;
  for (std::string_view s : single_valued)
    if (ascii::iequals(name, s)) return merge_rule::keep_first;
  return merge_rule::join_comma;
}

/// Node's merged header object: lowercase names in order of first arrival. A field holds one
/// string, except where Node holds an array (`set-cookie`, and every field of a distinct view).
class header_map {
 public:
  struct field {
    std::string name;                 ///< lowercase
    std::vector<std::string> values;  ///< exactly one unless `is_array`
    bool is_array = false;
    /// The string value; for an array, its first element.
    std::string_view value() const noexcept { return values.empty() ? std::string_view{} : values.front(); }
  };

  const field* find(std::string_view name) const noexcept {
    for (const field& f : fields_)
      if (ascii::iequals(f.name, name)) return &f;
    return nullptr;
  }
  /// Node's `headers[name]` when it is a string; the first element when it is an array.
  std::optional<std::string_view> get(std::string_view name) const noexcept {
    const field* f = find(name);
    if (!f) return std::nullopt;
    return f->value();
  }
  bool contains(std::string_view name) const noexcept { return find(name) != nullptr; }
  std::size_t size() const noexcept { return fields_.size(); }
  bool empty() const noexcept { return fields_.empty(); }
  auto begin() const noexcept { return fields_.begin(); }
  auto end() const noexcept { return fields_.end(); }

 private:
  friend class header_list;
  std::vector<field> fields_;
};

/// The headers of one message as they arrived. Names and values live in one reusable buffer, so a
/// cleared list refills without allocating once it has grown to the size of typical messages.
class header_list {
 public:
  header_list() = default;

  /// Appends a field as it came (the caller has validated and trimmed it).
  void add(std::string_view name, std::string_view value) {
    slot s;
    s.name_off = static_cast<std::uint32_t>(text_.size());
    s.name_len = static_cast<std::uint32_t>(name.size());
    text_.append(name);
    s.value_off = static_cast<std::uint32_t>(text_.size());
    s.value_len = static_cast<std::uint32_t>(value.size());
    text_.append(value);
    slots_.push_back(s);
  }

  /// Empties the list, keeping its capacity.
  void clear() noexcept {
    text_.clear();
    slots_.clear();
  }

  std::size_t size() const noexcept { return slots_.size(); }
  bool empty() const noexcept { return slots_.empty(); }

  header_field operator[](std::size_t i) const noexcept {
    assert(i < slots_.size());
    const slot& s = slots_[i];
    return {std::string_view(text_).substr(s.name_off, s.name_len),
            std::string_view(text_).substr(s.value_off, s.value_len)};
  }

  class iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = header_field;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = header_field;
    iterator() = default;
    iterator(const header_list* l, std::size_t i) : list_(l), i_(i) {}
    header_field operator*() const { return (*list_)[i_]; }
    header_field operator[](difference_type n) const { return (*list_)[i_ + static_cast<std::size_t>(n)]; }
    iterator& operator++() { ++i_; return *this; }
    iterator operator++(int) { auto t = *this; ++i_; return t; }
    iterator& operator--() { --i_; return *this; }
    iterator operator--(int) { auto t = *this; --i_; return t; }
    iterator& operator+=(difference_type n) { i_ += static_cast<std::size_t>(n); return *this; }
    iterator& operator-=(difference_type n) { i_ -= static_cast<std::size_t>(n); return *this; }
    friend iterator operator+(iterator a, difference_type n) { return a += n; }
    friend iterator operator+(difference_type n, iterator a) { return a += n; }
    friend iterator operator-(iterator a, difference_type n) { return a -= n; }
    friend difference_type operator-(iterator a, iterator b) {
      return static_cast<difference_type>(a.i_) - static_cast<difference_type>(b.i_);
    }
    friend bool operator==(iterator a, iterator b) { return a.i_ == b.i_; }
    friend auto operator<=>(iterator a, iterator b) { return a.i_ <=> b.i_; }

   private:
    const header_list* list_ = nullptr;
    std::size_t i_ = 0;
  };
  iterator begin() const noexcept { return {this, 0}; }
  iterator end() const noexcept { return {this, slots_.size()}; }

  /// The first value of `name` (any case), without allocating.
  std::optional<std::string_view> find(std::string_view name) const noexcept {
    for (header_field f : *this)
      if (ascii::iequals(f.name, name)) return f.value;
    return std::nullopt;
  }
  bool contains(std::string_view name) const noexcept { return find(name).has_value(); }
  std::size_t count(std::string_view name) const noexcept {
    std::size_t n = 0;
    for (header_field f : *this) n += ascii::iequals(f.name, name);
    return n;
  }

  /// Node's `headers[name]` for one name: nullopt when absent, else the merged string
  /// (for `set-cookie`, Node's array joined with ", " - use `values()` to keep them apart).
  std::optional<std::string> get(std::string_view name) const {
    std::optional<std::string> out;
    const merge_rule rule = merge_rule_for(name);
    for (header_field f : *this) {
      if (!ascii::iequals(f.name, name)) continue;
      if (!out) {
        out.emplace(f.value);
        if (rule == merge_rule::keep_first) break;
      } else {
        out->append(rule == merge_rule::join_cookie ? "; " : ", ");
        out->append(f.value);
      }
    }
    return out;
  }

  /// Every value of `name`, in order (Node's `headersDistinct[name]`).
  std::vector<std::string_view> values(std::string_view name) const {
    std::vector<std::string_view> out;
    for (header_field f : *this)
      if (ascii::iequals(f.name, name)) out.push_back(f.value);
    return out;
  }

  /// Node's `rawHeaders`: name, value, name, value, ... as they arrived.
  std::vector<std::string_view> raw() const {
    std::vector<std::string_view> out;
    out.reserve(slots_.size() * 2);
    for (header_field f : *this) {
      out.push_back(f.name);
      out.push_back(f.value);
    }
    return out;
  }

  /// Node's `headers` object.
  header_map merged() const { return build_map(false); }
  /// Node's `headersDistinct` object: every field an array of all its values.
  header_map distinct() const { return build_map(true); }

 private:
  struct slot {
    std::uint32_t name_off, name_len, value_off, value_len;
  };

  header_map build_map(bool distinct) const {
    header_map map;
    for (header_field f : *this) {
      const merge_rule rule = distinct ? merge_rule::array : merge_rule_for(f.name);
      header_map::field* existing = nullptr;
      for (auto& m : map.fields_)
        if (ascii::iequals(m.name, f.name)) { existing = &m; break; }
      if (!existing) {
        auto& m = map.fields_.emplace_back();
        m.name = ascii::to_lower(f.name);
        m.values.emplace_back(f.value);
        m.is_array = rule == merge_rule::array;
        continue;
      }
      switch (rule) {
        case merge_rule::keep_first: break;
        case merge_rule::array: existing->values.emplace_back(f.value); break;
        case merge_rule::join_cookie: existing->values.front().append("; ").append(f.value); break;
        case merge_rule::join_comma: existing->values.front().append(", ").append(f.value); break;
      }
    }
    return map;
  }

  std::string text_;
  std::vector<slot> slots_;
};

}  // namespace corohttp
