// examples/hello_server with every heap allocation counted: global operator new (all forms) and the
// C allocator (malloc, calloc, realloc, aligned_alloc, posix_memalign, memalign: Asio takes aligned
// blocks from there). On SIGUSR1 it prints "allocs new=N malloc=M" on stdout, so the benchmark can
// take the counts before and after a known number of requests. Only the benchmark builds this.
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdlib>
#include <new>

#include <malloc.h>
#include <unistd.h>

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
}

namespace {
std::atomic<std::size_t> news{0};  // lock-free: read from the signal handler
std::atomic<std::size_t> mallocs{0};

void* counted_new(std::size_t n) {
  ++news;
  if (void* p = __libc_malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* counted_new_aligned(std::size_t n, std::align_val_t a) {
  ++news;
  if (void* p = __libc_memalign(static_cast<std::size_t>(a), n ? n : 1)) return p;
  throw std::bad_alloc();
}

// Writes "allocs new=N malloc=M\n" with async-signal-safe calls only.
void report(int) {
  char line[96];
  std::size_t len = 0;
  auto put = [&](const char* s) {
    while (*s) line[len++] = *s++;
  };
  auto num = [&](std::size_t v) {
    char digits[24];
    int k = 0;
    do {
      digits[k++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v);
    while (k) line[len++] = digits[--k];
  };
  put("allocs new=");
  num(news.load());
  put(" malloc=");
  num(mallocs.load());
  put("\n");
  ssize_t ignored = ::write(1, line, len);
  (void)ignored;
}

struct install_report {
  install_report() { std::signal(SIGUSR1, report); }
} installed;
}  // namespace

extern "C" {
void* malloc(std::size_t n) noexcept {
  ++mallocs;
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t m) noexcept {
  ++mallocs;
  return __libc_calloc(n, m);
}
void* realloc(void* p, std::size_t n) noexcept {
  ++mallocs;
  return __libc_realloc(p, n);
}
void free(void* p) noexcept { __libc_free(p); }
void* aligned_alloc(std::size_t a, std::size_t n) noexcept {
  ++mallocs;
  return __libc_memalign(a, n);
}
void* memalign(std::size_t a, std::size_t n) noexcept {
  ++mallocs;
  return __libc_memalign(a, n);
}
int posix_memalign(void** out, std::size_t a, std::size_t n) noexcept {
  ++mallocs;
  void* p = __libc_memalign(a, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
}

void* operator new(std::size_t n) { return counted_new(n); }
void* operator new[](std::size_t n) { return counted_new(n); }
void* operator new(std::size_t n, std::align_val_t a) { return counted_new_aligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_new_aligned(n, a); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  ++news;
  return __libc_malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  ++news;
  return __libc_malloc(n ? n : 1);
}
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete[](void* p) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::size_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { __libc_free(p); }

// The program itself, unchanged.
#include "../../examples/hello_server.cpp"
