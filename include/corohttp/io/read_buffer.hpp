// A connection's read buffer: bytes arrive at the back, the parser consumes from the front.
// Storage comes from a pool and goes back when the buffer is empty, so an idle keep-alive
// connection holds no buffer at all.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace corohttp::detail {

/// Fixed-size blocks, recycled. One per server or client (one io_context, one thread).
class buffer_pool {
 public:
  explicit buffer_pool(std::size_t block_size, std::size_t max_free = 1024)
      : block_size_(block_size), max_free_(max_free) {}
  std::size_t block_size() const noexcept { return block_size_; }
  std::unique_ptr<char[]> take() {
    if (free_.empty()) return std::unique_ptr<char[]>(new char[block_size_]);
    auto b = std::move(free_.back());
    free_.pop_back();
    return b;
  }
  void give(std::unique_ptr<char[]> b) {
    if (b && free_.size() < max_free_) free_.push_back(std::move(b));
  }

 private:
  std::size_t block_size_;
  std::size_t max_free_;
  std::vector<std::unique_ptr<char[]>> free_;
};

class read_buffer {
 public:
  explicit read_buffer(buffer_pool& pool) : pool_(&pool) {}
  read_buffer(const read_buffer&) = delete;
  read_buffer& operator=(const read_buffer&) = delete;
  ~read_buffer() { release(); }

  /// The unconsumed bytes.
  std::string_view data() const noexcept { return {block_.get() + begin_, end_ - begin_}; }
  bool empty() const noexcept { return begin_ == end_; }
  std::size_t size() const noexcept { return end_ - begin_; }
  std::size_t capacity() const noexcept { return pool_->block_size(); }

  void consume(std::size_t n) noexcept {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }

  /// Free space at the back to read into, after moving the unconsumed bytes to the front when that
  /// makes room. Empty when the buffer is full of unconsumed bytes.
  std::pair<char*, std::size_t> prepare() {
    if (!block_) block_ = pool_->take();
    const std::size_t cap = pool_->block_size();
    if (begin_ > 0 && cap - end_ < cap / 8) {
      std::memmove(block_.get(), block_.get() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    return {block_.get() + end_, cap - end_};
  }
  void commit(std::size_t n) noexcept { end_ += n; }

  /// Gives the storage back to the pool if nothing is buffered.
  void release_if_empty() noexcept {
    if (empty()) release();
  }
  bool holds_storage() const noexcept { return block_ != nullptr; }

 private:
  void release() noexcept {
    if (block_) pool_->give(std::move(block_));
    begin_ = end_ = 0;
  }
  buffer_pool* pool_;
  std::unique_ptr<char[]> block_;
  std::size_t begin_ = 0, end_ = 0;
};

}  // namespace corohttp::detail
