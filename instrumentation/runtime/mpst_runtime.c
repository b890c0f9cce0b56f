/*
 * The trace file and the record hot path: the file is mapped MAP_SHARED and
 * grown in segments; each thread claims whole chunks with a CAS on a counter
 * and then writes records into its chunk with plain stores, publishing each
 * record by storing its first word last (release). A process killed at any
 * moment leaves every published record readable in the page cache. Closing
 * the file appends the file end: a table of what each chunk holds and a
 * checked trailer, which the reader holds the file against.
 */
#define _GNU_SOURCE
#include "mpst_internal.h"
#include "mpst_stats.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif
#ifdef __APPLE__
#include <mach/mach_time.h>
#endif

mpst_global G = { .state = MPST_OFF, .fd = -1, .gen = 1 };
MPST_TLS mpst_tls T;
mpst_thread_slot mpst_slots[MPST_MAX_THREADS];

static pthread_key_t thread_key;
static int thread_key_ok;
static _Atomic uint32_t corr_counter;
static _Atomic uint64_t lost_unattributed; /* losses of threads without a slot */
static void (*shutdown_hooks[8])(void);
static _Atomic int n_shutdown_hooks;

/* ---- clock and ids ---------------------------------------------------- */

int64_t mpst_realtime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint64_t mpst_gettid(void) {
#ifdef __APPLE__
  uint64_t id = 0;
  pthread_threadid_np(NULL, &id);
  return id;
#elif defined(__linux__)
  return (uint64_t)syscall(SYS_gettid);
#else
  return (uint64_t)(uintptr_t)pthread_self();
#endif
}

uint64_t mpst_thread_id(void) { return T.tid ? T.tid : mpst_gettid(); }

/* Unique, not globally ordered: each thread takes ids in blocks, so a launch
 * costs no shared atomic. */
#define CORR_BLOCK 256
static MPST_TLS uint32_t corr_next, corr_end;
uint32_t mpst_next_corr(void) {
  if (MPST_UNLIKELY(corr_next == corr_end)) {
    corr_next = atomic_fetch_add_explicit(&corr_counter, CORR_BLOCK, memory_order_relaxed) + 1;
    corr_end = corr_next + CORR_BLOCK;
  }
  return corr_next++;
}

/* ---- file header -------------------------------------------------------- */

static void write_header(uint32_t flags) {
  mpst_file_header h;
  memset(&h, 0, sizeof h);
  memcpy(h.magic, MPST_FILE_MAGIC, 8);
  h.version_major = MPST_VERSION_MAJOR;
  h.version_minor = MPST_VERSION_MINOR;
  h.header_bytes = MPST_FILE_HEADER_BYTES;
  h.chunk_bytes = G.chunk_bytes;
  h.flags = flags;
  h.pid = G.pid;
  h.ppid = (uint32_t)getppid();
  h.backend = G.backend;
#ifdef __APPLE__
  h.clock = MPST_CLOCK_UPTIME_RAW;
#else
  h.clock = MPST_CLOCK_MONOTONIC;
#endif
  h.t0_ns = G.t0;
  h.realtime_ns = mpst_realtime() - (mpst_now() - G.t0);
  h.check = mpst_check16((const uint32_t *)&h, sizeof h / 4);
  memcpy(G.base, &h, sizeof h);
}

static void set_header_flags(uint32_t flags) {
  mpst_file_header *h = (mpst_file_header *)G.base;
  h->flags = flags;
  h->check = 0;
  h->check = mpst_check16((const uint32_t *)h, sizeof *h / 4);
}

/* ---- growing the file ----------------------------------------------------- */

/* Extends the file to `want` bytes through the verified descriptor; 0 or an
 * errno value. A size limit (RLIMIT_FSIZE) is checked first: going past it
 * would send the program SIGXFSZ. */
static int grow_to(uint64_t cur, uint64_t want) {
  int fd = mpst_trace_fd();
  if (fd < 0) return EBADF;
  struct rlimit rl;
  if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && want > (uint64_t)rl.rlim_cur) return EFBIG;
#ifdef __linux__
  /* allocate blocks now: a full disk then fails here instead of raising
     SIGBUS on a later store into the mapping */
  return posix_fallocate(fd, (off_t)cur, (off_t)(want - cur)); /* returns the error, leaves errno alone */
#else
  (void)cur;
  return ftruncate(fd, (off_t)want) == 0 ? 0 : errno;
#endif
}

static void report_grow_failure(uint64_t want, int err) {
  if (atomic_exchange(&G.grow_failed, 1)) return;
  if (err == EBADF && atomic_load(&G.fd_lost)) return; /* already reported as file_lost */
  mpst_warning(MPST_WARNING_CODE_GROW_FAILED, err, want);
  mpst_msg("mpstrace: cannot grow trace file %s to %llu bytes (%s); the trace keeps what it has, later records are counted as lost.\n",
           G.path, (unsigned long long)want, strerror(err));
}

static int ensure_file(uint64_t end) {
  while (atomic_load_explicit(&G.file_bytes, memory_order_acquire) < end) {
    /* closed: the file end sits after the last chunk, nothing may grow past it */
    if (atomic_load_explicit(&G.state, memory_order_relaxed) == MPST_CLOSED) return 0;
    if (atomic_load_explicit(&G.grow_failed, memory_order_relaxed)) return 0;
    int unlocked = 0;
    if (atomic_compare_exchange_strong(&G.grow_lock, &unlocked, 1)) {
      uint64_t cur = atomic_load(&G.file_bytes), ok = 1, want = end;
      int err = 0;
      if (cur < end && !atomic_load(&G.grow_failed)) {
        /* grow by segments so growth costs at most one syscall per chunk */
        uint64_t seg = (uint64_t)G.chunk_bytes * 8 > (8u << 20) ? (uint64_t)G.chunk_bytes * 8 : (8u << 20);
        uint64_t cap = MPST_FILE_HEADER_BYTES + (uint64_t)G.max_chunks * G.chunk_bytes;
        want = cur + seg < end ? end : cur + seg;
        /* keep the file a whole number of chunks, as readers expect */
        want = MPST_FILE_HEADER_BYTES + (want - MPST_FILE_HEADER_BYTES + G.chunk_bytes - 1) / G.chunk_bytes * G.chunk_bytes;
        if (want > cap) want = cap;
        int64_t g0 = mpst_now();
        err = grow_to(cur, want);
        mpst_stat_add(MPST_STAT_grows, 1);
        mpst_stat_add(MPST_STAT_grow_ns, (uint64_t)(mpst_now() - g0));
        /* a nearly full disk may still hold what is needed right now */
        if (err && want > end && err != EBADF) {
          want = end;
          err = grow_to(cur, want);
        }
        if (!err) atomic_store_explicit(&G.file_bytes, want, memory_order_release);
        else {
          ok = 0;
          report_grow_failure(want, err);
        }
      } else if (cur < end) ok = 0;
      atomic_store(&G.grow_lock, 0);
      if (!T.in_signal) mpst_flush_warnings();
      if (!ok) return 0;
      continue;
    }
    if (T.in_signal) return 0; /* the interrupted code may hold the lock */
    sched_yield();
  }
  return 1;
}

/* ---- mapping the file ahead of the writers -------------------------------- */

#if defined(__linux__) && !defined(MADV_POPULATE_WRITE)
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older kernels answer EINVAL */
#endif

/*
 * The first store into a page of the trace costs a page fault, and on a file
 * system like ext4 that fault also allocates and zeroes the page cache
 * around it: microseconds, paid by the program thread that writes there (a
 * new thread's first record, every page of a busy one). So the watchdog maps
 * the file past the last claimed chunk writable ahead of the writers
 * (MADV_POPULATE_WRITE: mapping only, nothing is written, so it never races
 * a writer), growing the file for it if needed. How far ahead: what the
 * writers claim in 100 ms at the rate since the last call (ten of the
 * watchdog's 10 ms ticks while they are busy), 1 to 16 MiB. A
 * growth that fails here is left for the writers to meet and report (the
 * disk may still hold what they need). Returns 1 when chunks were claimed
 * since the last call (the watchdog then comes back sooner).
 */
int mpst_prefault_tick(void) {
#ifdef __linux__
  static uintptr_t page;
  static int64_t last;
  if (atomic_load(&G.state) != MPST_ON || atomic_load(&G.ended) || atomic_load(&G.grow_failed) || atomic_load(&G.fd_lost)) return 0;
  int64_t t0 = mpst_now();
  if (!page) page = (uintptr_t)sysconf(_SC_PAGESIZE);
  uint64_t cb = G.chunk_bytes;
  uint64_t next = MPST_FILE_HEADER_BYTES + atomic_load(&G.next_chunk) * cb;
  uint64_t claimed = next > G.prefault_seen ? next - G.prefault_seen : 0;
  int64_t dt = last && t0 > last ? t0 - last : 100 * 1000 * 1000;
  G.prefault_seen = next;
  last = t0;
  uint64_t ahead = (uint64_t)((double)claimed * 1e8 / (double)dt);
  if (ahead < (1u << 20)) ahead = 1u << 20;
  if (ahead > (16u << 20)) ahead = 16u << 20;
  uint64_t cap = MPST_FILE_HEADER_BYTES + (uint64_t)G.max_chunks * cb;
  uint64_t want = next + ahead < cap ? next + ahead : cap;
  uint64_t from = atomic_load(&G.prefaulted);
  if (from < next) from = next;
  /* top up only when a quarter of the distance is used: fewer, larger calls */
  if (want <= from || want - from < ahead / 4) return claimed > 0;
  uint64_t have = atomic_load_explicit(&G.file_bytes, memory_order_acquire);
  if (have < want) {
    int unlocked = 0;
    if (atomic_compare_exchange_strong(&G.grow_lock, &unlocked, 1)) {
      have = atomic_load(&G.file_bytes);
      /* in whole segments of 8 MiB, as ensure_file grows (and never while closing) */
      uint64_t seg = cb * 8 > (8u << 20) ? cb * 8 : (8u << 20);
      uint64_t to = have + (want - have + seg - 1) / seg * seg;
      to = MPST_FILE_HEADER_BYTES + (to - MPST_FILE_HEADER_BYTES) / cb * cb;
      if (to > cap) to = cap;
      if (have < to && atomic_load(&G.state) == MPST_ON && !atomic_load(&G.ended) && !atomic_load(&G.grow_failed)) {
        int64_t g0 = mpst_now();
        /* grow_to: never past RLIMIT_FSIZE (SIGXFSZ), only through our own descriptor */
        if (grow_to(have, to) == 0) {
          atomic_store_explicit(&G.file_bytes, to, memory_order_release);
          have = to;
          mpst_stat_add(MPST_STAT_grows, 1);
        }
        mpst_stat_add(MPST_STAT_grow_ns, (uint64_t)(mpst_now() - g0));
      }
      atomic_store(&G.grow_lock, 0);
    }
    if (want > have) want = have;
  }
  uintptr_t a = (uintptr_t)(G.base + from) & ~(page - 1), b = (uintptr_t)(G.base + want) & ~(page - 1);
  if (b <= a) return claimed > 0;
  /* fails on kernels before 5.14 (EINVAL: nothing mapped ahead there) and when
     the file was cut meanwhile (EFAULT: the process is closing it) */
  if (madvise((void *)a, b - a, MADV_POPULATE_WRITE) == 0) {
    atomic_store(&G.prefaulted, (uint64_t)(b - (uintptr_t)G.base));
    mpst_stat_add(MPST_STAT_prefault_bytes, b - a);
  }
  mpst_stat_add(MPST_STAT_prefault_ns, (uint64_t)(mpst_now() - t0));
  return claimed > 0;
#else
  return 0;
#endif
}

/* ---- chunks ------------------------------------------------------------- */

/* Moves the thread to its next chunk; `final` may also take the file's last
 * chunk, which is kept for shutdown records (records_lost, process_end).
 *
 * Chunks are small (4 KiB by default) so a short-lived thread, which writes a
 * few records, costs one chunk of file and a page or two of faults instead of
 * 64 KiB. A busy thread claims runs of consecutive chunks with one CAS, the
 * run doubling with every claim up to G.run_cap chunks (64 KiB), so the
 * shared counter is touched as rarely as with large chunks. Every chunk of a
 * run gets its header when the run is claimed: a thread that exits or is
 * killed leaves header-only chunks (empty, valid), never zeroed ones in the
 * middle of the file. */
static int claim_chunk(mpst_tls *t, int final) {
  uint32_t cb = G.chunk_bytes;
  if (t->run_left) {
    t->run_left--;
    t->chunk = t->run_next;
    t->run_next += cb;
    t->pos = MPST_CHUNK_HEADER_BYTES;
    t->limit = cb - MPST_CHUNK_RESERVE;
    return 1;
  }
  int64_t t0 = mpst_now();
  uint32_t want = t->run_size ? t->run_size : 1;
  uint64_t limit = final ? G.max_chunks : G.max_chunks - 1;
  uint64_t k = atomic_load_explicit(&G.next_chunk, memory_order_relaxed);
  uint32_t n;
  do {
    if (k >= limit) return 0;
    n = limit - k < want ? (uint32_t)(limit - k) : want;
  } while (!atomic_compare_exchange_weak(&G.next_chunk, &k, k + n));
  uint64_t off = MPST_FILE_HEADER_BYTES + k * cb;
  if (!ensure_file(off + (uint64_t)n * cb)) {
    /* a nearly full disk may still hold the run's first chunk */
    if (n == 1 || !ensure_file(off + cb)) return 0;
    n = 1;
  }
  uint8_t *c = G.base + off;
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
  /* a run of several chunks belongs to a thread that writes a lot: one
     syscall maps it writable instead of a page fault per page. Not for a
     single chunk: most short-lived threads write a few records, and
     populating for each of them costs more than its one or two faults.
     Nothing to do where the watchdog has mapped the file ahead already. */
  if (!t->in_signal && n > 1 && off + (uint64_t)n * cb > atomic_load_explicit(&G.prefaulted, memory_order_relaxed)) {
    int64_t p0 = mpst_now();
    /* chunks start 64 bytes past a page boundary; populating the shared
       first page again is harmless (it only maps pages, never writes) */
    static uintptr_t page;
    if (!page) page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = (uintptr_t)c & ~(page - 1);
    madvise((void *)start, (uintptr_t)c + (uint64_t)n * cb - start, MADV_POPULATE_WRITE);
    mpst_stat_add(MPST_STAT_populate_ns, (uint64_t)(mpst_now() - p0));
  }
#endif
  for (uint32_t i = 0; i < n; i++) {
    mpst_chunk_header h = { MPST_CHUNK_MAGIC, (uint32_t)(k + i), t->tid, t->seq++, 0, 0, 0 };
    h.check = mpst_check16((const uint32_t *)&h, sizeof h / 4);
    memcpy(c + (uint64_t)i * cb, &h, sizeof h);
  }
  t->chunk = c;
  t->run_next = c + cb;
  t->run_left = n - 1;
  t->run_size = want * 2 < G.run_cap ? want * 2 : G.run_cap;
  t->pos = MPST_CHUNK_HEADER_BYTES;
  t->limit = cb - MPST_CHUNK_RESERVE;
  mpst_stat_add(MPST_STAT_chunks, n);
  mpst_stat_add(MPST_STAT_chunk_ns, (uint64_t)(mpst_now() - t0));
  return 1;
}

static void count_lost(mpst_tls *t) {
  if (t->quiet) return;
  if (t->slot) {
    if (atomic_fetch_add_explicit(&t->slot->lost, 1, memory_order_relaxed) == 0) t->slot->lost_since = mpst_now();
  } else {
    atomic_fetch_add_explicit(&lost_unattributed, 1, memory_order_relaxed);
  }
}

/* Writes this thread's pending loss count, if any (space permitting). */
static void flush_lost(mpst_thread_slot *s) {
  uint64_t n = atomic_load(&s->lost);
  if (!n) return;
  int64_t since = s->lost_since;
  T.quiet++;
  mpst_records_lost *r = (mpst_records_lost *)mpst_record_begin(MPST_WORDS_RECORDS_LOST);
  T.quiet--;
  if (!r) return;
  atomic_fetch_sub(&s->lost, n);
  r->count = n;
  r->since_ts = since;
  r->lost_tid = s->tid;
  mpst_record_end(r, MPST_K_RECORDS_LOST, MPST_WORDS_RECORDS_LOST, 0, mpst_now());
}

static mpst_thread_slot *claim_slot(uint64_t tid) {
  for (int i = 0; i < MPST_MAX_THREADS; i++) {
    int free_ = 0;
    if (atomic_load_explicit(&mpst_slots[i].used, memory_order_relaxed) == 0 &&
        atomic_compare_exchange_strong(&mpst_slots[i].used, &free_, 1)) {
      mpst_thread_slot *s = &mpst_slots[i];
      s->tid = tid;
      atomic_store(&s->blocked_since, 0);
      s->blocked_depth = 0;
      s->outer_since = 0;
      atomic_store(&s->lost, 0);
      s->last_heartbeat = 0;
      return s;
    }
  }
  return NULL;
}

static void thread_exit_dtor(void *p);
static void thread_announce(void);

/* First record of a thread (or first after fork): take a slot and a chunk. */
static int thread_setup(mpst_tls *t) {
  int64_t t0 = mpst_now();
  t->gen = G.gen;
  t->tid = mpst_gettid();
  t->chunk = NULL;
  t->pos = t->limit = 0;
  t->seq = 0;
  t->run_next = NULL;
  t->run_left = t->run_size = 0;
  t->slot = claim_slot(t->tid);
  if (thread_key_ok && !t->in_signal) pthread_setspecific(thread_key, t->slot ? (void *)t->slot : (void *)&G);
  if (!claim_chunk(t, 0)) return 0;
  if (G.start_rec == NULL) return 1; /* opening the file: process_start goes first, see mpst_open_file */
  thread_announce();
  mpst_stat_add(MPST_STAT_threads, 1);
  mpst_stat_add(MPST_STAT_thread_setup_ns, (uint64_t)(mpst_now() - t0));
  return 1;
}

/* thread_start (+ thread_name) of the calling thread */
static void thread_announce(void) {
  mpst_emit_thread_start(0, 0);
#if defined(__linux__) || defined(__APPLE__)
  char name[64] = "";
  if (!T.in_signal && pthread_getname_np(pthread_self(), name, sizeof name) == 0 && name[0]) {
    uint32_t id = mpst_intern(name);
    mpst_emit_thread_name(0, id);
  }
#endif
}

/* out of line, so the fast path in mpst_record_begin saves no registers */
__attribute__((noinline, cold)) static void *record_begin_slow(mpst_tls *t, unsigned words) {
  uint32_t bytes = words << 3;
  if (t->gen != G.gen) {
    if (!thread_setup(t)) {
      count_lost(t);
      return NULL;
    }
    if (t->pos + bytes <= t->limit) goto take;
  }
  int ending = atomic_load_explicit(&G.ended, memory_order_relaxed);
  /* the process is ending: its last records may use the chunk's reserve */
  if (ending && t->chunk && t->pos + bytes <= G.chunk_bytes) goto take;
  if (bytes + MPST_CHUNK_HEADER_BYTES + MPST_CHUNK_RESERVE > G.chunk_bytes || !claim_chunk(t, ending)) {
    count_lost(t);
    return NULL;
  }
  if (t->slot && atomic_load_explicit(&t->slot->lost, memory_order_relaxed)) flush_lost(t->slot);
take:;
  void *p = t->chunk + t->pos;
  t->pos += bytes;
  return p;
}

void *mpst_record_begin(unsigned words) {
  if (MPST_UNLIKELY(atomic_load_explicit(&G.state, memory_order_relaxed) != MPST_ON)) return NULL;
  mpst_tls *t = &T;
  uint32_t bytes = words << 3;
  if (MPST_LIKELY(t->gen == G.gen && t->pos + bytes <= t->limit)) {
    void *p = t->chunk + t->pos;
    t->pos += bytes;
    return p;
  }
  return record_begin_slow(t, words);
}

/*
 * The record check (the format's CRC-16) with carry-less multiplies, x86-64:
 * the table-driven CRC steps through the record 8 bytes at a time, each step
 * waiting for the last (~130 instructions for 4 words, about 10 ns). The CRC
 * is linear, so every word's part can be taken on its own: word i of n,
 * W_i(x) x^(64(n-1-i)), is congruent to W_i(x) K_(n-1-i) with K_d = x^(64 d)
 * mod P, one PCLMULQDQ each, all independent; their sum S (under 79 bits) is
 * then reduced with one table step. Bit order: the CRC is reflected, so a
 * word's bit j is the coefficient of x^(63-j); the product of two such
 * operands puts the coefficient of x^m (of W_i K) at bit 78-m.
 * The initial value enters as the table code does, xored into word 0.
 */
#if defined(__x86_64__) && !defined(MPST_NO_CLMUL)
#include <immintrin.h>
#define MPST_CLMUL_CRC 1
static uint16_t crc_k[MPST_MAX_RECORD_WORDS]; /* K_d, reflected */
static int have_clmul;

__attribute__((constructor(101))) static void crc_init(void) {
  uint32_t k = 0x8000; /* the polynomial 1 */
  for (int d = 0; d < MPST_MAX_RECORD_WORDS; d++, k = mpst_crc16_step(k, 0, 0)) crc_k[d] = (uint16_t)k;
  __builtin_cpu_init();
  const char *e = getenv("MPSTRACE_CRC");
  have_clmul = __builtin_cpu_supports("pclmul") && !(e && strcmp(e, "table") == 0);
}

__attribute__((target("pclmul"), always_inline)) static inline uint32_t crc_clmul(uint64_t w0, const uint64_t *w, unsigned words) {
  __m128i acc = _mm_clmulepi64_si128(_mm_cvtsi64_si128((long long)(w0 ^ MPST_CHECK_INIT)), _mm_cvtsi32_si128(crc_k[words - 1]), 0);
  for (unsigned i = 1; i + 1 < words; i++)
    acc = _mm_xor_si128(acc, _mm_clmulepi64_si128(_mm_cvtsi64_si128((long long)w[i]), _mm_cvtsi32_si128(crc_k[words - 1 - i]), 0));
  uint64_t last = w[words - 1];
  uint64_t lo = (uint64_t)_mm_cvtsi128_si64(acc) ^ last << 15, hi = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(acc, acc)) ^ last >> 49;
  /* S = A x^64 + B; S x^16 = (A x^16 mod P) x^64 + B x^16: A's CRC as two bytes, then one step over B */
  uint64_t b = lo >> 15 | hi << 49;
  uint32_t a = (uint32_t)(lo & 0x7FFF) << 1;
  uint32_t ca = (uint32_t)mpst_crc16_tab[1][a & 0xFF] ^ mpst_crc16_tab[0][a >> 8];
  return mpst_crc16_step(ca, (uint32_t)b, (uint32_t)(b >> 32));
}
#endif

#ifdef MPST_CLMUL_CRC
__attribute__((target("pclmul")))
#endif
void mpst_record_end(void *rec, unsigned kind, unsigned words, uint32_t site, int64_t ts) {
  uint64_t *w = (uint64_t *)rec;
  w[1] = (uint64_t)ts;
  uint64_t w0 = (uint64_t)kind | (uint64_t)words << 8 | (uint64_t)site << 32;
  uint32_t crc;
#ifdef MPST_CLMUL_CRC
  if (MPST_LIKELY(have_clmul)) {
    /* the usual sizes unrolled (words is then a constant) */
    switch (words) {
      case 3: crc = crc_clmul(w0, w, 3); break;
      case 4: crc = crc_clmul(w0, w, 4); break;
      case 5: crc = crc_clmul(w0, w, 5); break;
      case 6: crc = crc_clmul(w0, w, 6); break;
      default: crc = crc_clmul(w0, w, words); break;
    }
    __atomic_store_n(w, w0 | (uint64_t)crc << 16, __ATOMIC_RELEASE);
    return;
  }
#endif
  /* the format's CRC-16 over the record with the check bits zero: word 0 from
     registers, the rest (ts included) 8 bytes per step */
  const uint32_t *u = (const uint32_t *)rec;
  crc = mpst_crc16_step(MPST_CHECK_INIT, (uint32_t)w0, site);
  for (unsigned i = 2; i < words * 2; i += 2) crc = mpst_crc16_step(crc, u[i], u[i + 1]);
  __atomic_store_n(w, w0 | (uint64_t)crc << 16, __ATOMIC_RELEASE);
}

/* string records are variable-sized, so they have no generated emitter */
void mpst_emit_string_record(uint32_t id, const char *s, size_t len) {
  size_t max = (size_t)(MPST_MAX_RECORD_WORDS - MPST_WORDS_STRING) * 8;
  size_t room = G.chunk_bytes - MPST_CHUNK_HEADER_BYTES - MPST_CHUNK_RESERVE - MPST_WORDS_STRING * 8;
  if (max > room) max = room;
  if (len > max) len = max; /* truncated; still one record */
  unsigned words = MPST_WORDS_STRING + (unsigned)((len + 7) / 8);
  mpst_string *r = (mpst_string *)mpst_record_begin(words);
  if (!r) return;
  r->str_id = id;
  r->len = (uint32_t)len;
  memcpy(r + 1, s, len);
  mpst_record_end(r, MPST_K_STRING, words, 0, mpst_now());
}

uint32_t mpst_intern_cached(mpst_str_cache *c, const char *s) {
  uint32_t gen = G.gen;
  if (MPST_LIKELY(c->gen == gen && c->id)) return c->id;
  uint32_t id = mpst_intern(s);
  c->id = id;
  c->gen = gen;
  return id;
}

/* ---- threads -------------------------------------------------------------- */

static void thread_exit_dtor(void *p) {
  mpst_tls *t = &T;
  mpst_thread_slot *s = p == (void *)&G ? NULL : (mpst_thread_slot *)p;
  if (atomic_load(&G.state) == MPST_ON && t->gen == G.gen) {
    t->depth++;
    if (s) flush_lost(s);
    t->quiet++; /* losses count the program's records, not the recorder's bookkeeping */
    mpst_emit_thread_exit(0);
    t->quiet--;
    t->depth--;
  }
  if (s && s == t->slot) {
    t->slot = NULL;
    /* a slot with losses that could not be written stays for shutdown to flush */
    if (atomic_load(&s->lost) == 0) atomic_store(&s->used, 0);
    else atomic_store(&s->used, 2);
  }
}

void mpst_threads_reset_after_fork(void) {
  for (int i = 0; i < MPST_MAX_THREADS; i++) atomic_store(&mpst_slots[i].used, 0);
  atomic_store(&lost_unattributed, 0);
  T.slot = NULL;
  T.gen = 0;
}

/* ---- reentrancy and blocking ---------------------------------------------- */

int mpst_enter(void) {
  mpst_tls *t = &T;
  if (t->depth) return 0;
  if (MPST_UNLIKELY(atomic_load_explicit(&G.state, memory_order_relaxed) != MPST_ON)) {
    if (atomic_load(&G.state) != MPST_OFF || mpst_ensure_init(G.backend) != 0) return 0;
  }
  if (MPST_UNLIKELY(atomic_load_explicit(&G.paused, memory_order_relaxed) & MPST_PAUSE_PART_HOOKS)) return 0;
  t->depth = 1;
  return 1;
}

void mpst_leave(void) { T.depth = 0; }

int mpst_enabled(void) { return atomic_load_explicit(&G.state, memory_order_relaxed) == MPST_ON; }

void mpst_blocking_begin(uint64_t target, uint8_t scope, uint32_t api_str) {
  mpst_thread_slot *s = T.slot;
  if (!s) return;
  int64_t outer = atomic_load_explicit(&s->blocked_since, memory_order_relaxed);
  if (s->blocked_depth++ == 1 && outer) {
    /* nested: remember the outer wait, to name it again when this one ends */
    s->outer_since = outer;
    s->outer_target = s->blocked_target;
    s->outer_scope = s->blocked_scope;
    s->outer_api = s->blocked_api;
  }
  atomic_store_explicit(&s->blocked_since, 0, memory_order_release); /* fields change below */
  s->blocked_target = target;
  s->blocked_scope = scope;
  s->blocked_api = api_str;
  s->last_heartbeat = 0;
  atomic_store_explicit(&s->blocked_since, mpst_now(), memory_order_release);
}

void mpst_blocking_end(void) {
  mpst_thread_slot *s = T.slot;
  if (!s) return;
  atomic_store_explicit(&s->blocked_since, 0, memory_order_release);
  if (s->blocked_depth > 0 && --s->blocked_depth == 1 && s->outer_since) {
    s->blocked_target = s->outer_target;
    s->blocked_scope = s->outer_scope;
    s->blocked_api = s->outer_api;
    s->last_heartbeat = 0;
    atomic_store_explicit(&s->blocked_since, s->outer_since, memory_order_release);
    s->outer_since = 0;
  }
}

/* ---- init, open, finish ------------------------------------------------------ */

static long env_long(const char *name, long dflt, long lo, long hi) {
  const char *v = getenv(name);
  if (!v || !*v) return dflt;
  char *end;
  long x = strtol(v, &end, 10);
  if (*end || x < lo || x > hi) {
    fprintf(stderr, "mpstrace: ignoring %s=%s (expected an integer from %ld to %ld)\n", name, v, lo, hi);
    return dflt;
  }
  return x;
}

static const char *recorder_name(void) {
  switch (G.backend) {
    case MPST_BACKEND_CUDA: return "mpstrace-cuda 0.1.0";
    case MPST_BACKEND_METAL: return "mpstrace-metal 0.1.0 (untested on Apple hardware)";
    default: return "mpstrace 0.1.0";
  }
}

int mpst_open_file(const char *path) {
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0 && fd <= 2) {
    /* the program closed its standard descriptors: never hold one of them */
    int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    mpst_real_close(fd);
    fd = high;
  }
  if (fd < 0) {
    fprintf(stderr, "mpstrace: cannot create trace file %s (%s); recording is off. Set MPSTRACE_OUT to a writable path.\n", path,
            strerror(errno));
    return -1;
  }
  void *base = mmap(NULL, (size_t)G.map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) {
    fprintf(stderr, "mpstrace: cannot map %s (%s); recording is off. Try a smaller MPSTRACE_MAX_MB.\n", path, strerror(errno));
    mpst_real_close(fd);
    return -1;
  }
  if (path != G.path) snprintf(G.path, sizeof G.path, "%s", path);
  G.fd = mpst_fd_adopt(fd, path);
  atomic_store(&G.grow_failed, 0);
  mpst_warnings_reset();
  G.base = (uint8_t *)base;
  atomic_store(&G.file_bytes, 0);
  atomic_store(&G.next_chunk, 0);
  atomic_store(&G.grow_lock, 0);
  atomic_store(&G.prefaulted, 0);
  G.prefault_seen = 0;
  atomic_store(&G.ended, 0);
  G.start_rec = NULL;
  /* the header and a first chunk, so even a nearly full disk keeps a readable trace */
  if (!ensure_file(MPST_FILE_HEADER_BYTES + G.chunk_bytes)) {
    /* ensure_file printed why (disk full, size limit) */
    munmap(base, (size_t)G.map_bytes);
    mpst_real_close(G.fd);
    G.fd = -1;
    return -1;
  }
  write_header(0);
  G.gen++;
  atomic_store(&G.state, MPST_ON);
  /* process_start is the first record of the file */
  T.in_signal = 0;
  mpst_process_start *r = (mpst_process_start *)mpst_record_begin(MPST_WORDS_PROCESS_START);
  if (r) {
    r->pid = G.pid;
    r->ppid = (uint32_t)getppid();
    r->backend = G.backend;
    r->clock = ((mpst_file_header *)G.base)->clock;
    r->flags = G.proc_flags;
    G.start_rec = r;
    int64_t ts = mpst_now();
    uint32_t rec = mpst_intern(recorder_name());
    r->recorder = rec;
    mpst_record_end(r, MPST_K_PROCESS_START, MPST_WORDS_PROCESS_START, 0, ts);
    thread_announce();
  }
  return 0;
}

static void do_init(uint8_t backend) {
  G.backend = backend;
  G.pid = (uint32_t)getpid();
  G.t0 = mpst_now();
  const char *en = getenv("MPSTRACE_ENABLE");
  if (en && strcmp(en, "0") == 0) {
    atomic_store(&G.state, MPST_DISABLED);
    return;
  }
  long kb = env_long("MPSTRACE_CHUNK_KB", 4, 4, 65536);
  uint32_t cb = 4096;
  while (cb < (uint64_t)kb * 1024) cb <<= 1; /* a power of two, as the format requires */
  G.chunk_bytes = cb;
  G.run_cap = cb < 65536 ? 65536 / cb : 1;
  long mb = env_long("MPSTRACE_MAX_MB", 4096, 1, 1 << 20);
  uint64_t max = (uint64_t)mb << 20;
  G.max_chunks = (uint32_t)((max - MPST_FILE_HEADER_BYTES) / cb);
  if (G.max_chunks < 4) G.max_chunks = 4;
  G.max_bytes = MPST_FILE_HEADER_BYTES + (uint64_t)G.max_chunks * cb;
  /* the mapping also covers the largest file end (chunk table and trailer) */
  G.map_bytes = G.max_bytes + (uint64_t)G.max_chunks * MPST_CHUNK_ENTRY_BYTES + MPST_FILE_END_BYTES;
  G.hang_ns = env_long("MPSTRACE_HANG_MS", 1000, 1, 86400000) * 1000000LL;
  G.cupti_wanted = (int)env_long("MPSTRACE_CUPTI", 1, 0, 1);
  G.print_stats = (int)env_long("MPSTRACE_STATS", 0, 0, 1);
  const char *out = getenv("MPSTRACE_OUT");
  if (out && *out) snprintf(G.path, sizeof G.path, "%s", out);
  else snprintf(G.path, sizeof G.path, "mpstrace.%u.mpst", G.pid);
  const char *stem = getenv("MPSTRACE_STEM");
  if (stem && *stem) snprintf(G.stem, sizeof G.stem, "%s", stem);
  else {
    size_t len = strlen(G.path);
    int cut = len > 5 && strcmp(G.path + len - 5, ".mpst") == 0 ? (int)len - 5 : (int)len;
    snprintf(G.stem, sizeof G.stem, "%.*s", cut, G.path);
  }
  G.exec_depth = (int)env_long("MPSTRACE_EXEC_DEPTH", 0, 0, 1 << 20);
  /* MPSTRACE_PID names the process MPSTRACE_OUT was meant for. A child that
   * inherited the environment without our exec hook (posix_spawn, vfork)
   * must not truncate its parent's file: it writes <stem>.<pid>.mpst. */
  const char *owner = getenv("MPSTRACE_PID");
  if (owner && *owner && strtoul(owner, NULL, 10) != G.pid) {
    char num[24];
    snprintf(num, sizeof num, "%u", G.pid);
    mpst_derived_path(G.path, sizeof G.path, num);
  }
  char pid[24];
  snprintf(pid, sizeof pid, "%u", G.pid);
  setenv("MPSTRACE_PID", pid, 1);
  thread_key_ok = pthread_key_create(&thread_key, thread_exit_dtor) == 0;
  if (mpst_open_file(G.path) != 0) {
    atomic_store(&G.state, MPST_DISABLED);
    return;
  }
  mpst_process_hooks_install();
  mpst_watchdog_start();
}

int mpst_ensure_init(uint8_t backend) {
  int s = atomic_load(&G.state);
  if (s == MPST_ON) return 0;
  if (s == MPST_OFF) {
    int expect = MPST_OFF;
    if (atomic_compare_exchange_strong(&G.state, &expect, MPST_INITIALIZING)) {
      T.depth++;
      do_init(backend);
      T.depth--;
      return atomic_load(&G.state) == MPST_ON ? 0 : -1;
    }
  }
  if (T.depth) return -1; /* called from inside init */
  while (atomic_load(&G.state) == MPST_INITIALIZING) sched_yield();
  return atomic_load(&G.state) == MPST_ON ? 0 : -1;
}

void mpst_add_shutdown_hook(void (*fn)(void)) {
  int i = atomic_fetch_add(&n_shutdown_hooks, 1);
  if (i < 8) shutdown_hooks[i] = fn;
}

void mpst_run_shutdown_hooks(void) {
  int n = atomic_load(&n_shutdown_hooks);
  for (int i = 0; i < n && i < 8; i++)
    if (shutdown_hooks[i]) shutdown_hooks[i]();
}

void mpst_set_process_flags(uint16_t bits) {
  G.proc_flags |= bits;
  mpst_process_start *r = G.start_rec;
  if (!r || atomic_load(&G.state) != MPST_ON) return;
  r->flags |= bits;
  uint64_t w0 = __atomic_load_n((uint64_t *)r, __ATOMIC_ACQUIRE);
  mpst_record_end(r, MPST_K_PROCESS_START, MPST_WORDS_PROCESS_START, (uint32_t)(w0 >> 32), r->h.ts);
}

void mpst_set_backend(uint8_t backend) {
  int s = atomic_load(&G.state);
  if (s != MPST_ON) {
    /* not open yet (or never will be): init and a later reopen use it */
    if (s != MPST_INITIALIZING) G.backend = backend;
    return;
  }
  if (G.backend == backend) return;
  G.backend = backend;
  mpst_file_header *h = (mpst_file_header *)G.base;
  h->backend = backend;
  h->check = 0;
  h->check = mpst_check16((const uint32_t *)h, sizeof *h / 4);
  mpst_process_start *r = G.start_rec;
  if (!r) return;
  mpst_tls *t = &T;
  t->depth++;
  uint32_t rec = mpst_intern(recorder_name());
  t->depth--;
  r->backend = backend;
  r->recorder = rec;
  uint64_t w0 = __atomic_load_n((uint64_t *)r, __ATOMIC_ACQUIRE);
  mpst_record_end(r, MPST_K_PROCESS_START, MPST_WORDS_PROCESS_START, (uint32_t)(w0 >> 32), r->h.ts);
}

/* ---- the file end ------------------------------------------------------------ */

/* CRC-16 of a record in the mapping (check bits taken as zero). */
static uint32_t record_check(const uint32_t *u, unsigned words) {
  uint32_t crc = mpst_crc16_step(MPST_CHECK_INIT, u[0] & 0xFFFFu, u[1]);
  for (unsigned i = 2; i < words * 2; i += 2) crc = mpst_crc16_step(crc, u[i], u[i + 1]);
  return crc;
}

/* What chunk c holds: its records and the offset just past the last one. Records
 * are taken on trust while they follow each other; after a hole (a record a
 * thread had reserved but not finished) each candidate must pass its check. */
static mpst_chunk_entry walk_chunk(const uint8_t *c) {
  mpst_chunk_entry e = { 0, 0 };
  if (((const mpst_chunk_header *)c)->magic != MPST_CHUNK_MAGIC) return e;
  uint32_t p = MPST_CHUNK_HEADER_BYTES, cb = G.chunk_bytes;
  int checked = 0;
  while (p + 16 <= cb) {
    uint64_t w0 = __atomic_load_n((const uint64_t *)(c + p), __ATOMIC_ACQUIRE);
    unsigned words = (unsigned)(w0 >> 8) & 0xFF;
    if (!w0 || words < 2 || p + words * 8 > cb) {
      checked = 1;
      p += 8;
      continue;
    }
    if (checked && record_check((const uint32_t *)(c + p), words) != ((w0 >> 16) & 0xFFFF)) {
      p += 8;
      continue;
    }
    e.records++;
    p += words * 8;
    e.used_bytes = p;
  }
  return e;
}

/* Writes the chunk table of chunks [0, k) and the trailer at `at` (the file is
 * already that long). Memory reads and stores only: safe in a signal handler. */
static void write_file_end(uint64_t k, uint64_t at) {
  mpst_chunk_entry *table = (mpst_chunk_entry *)(G.base + at);
  uint64_t records = 0;
  uint32_t crc = MPST_CHECK_INIT;
  for (uint64_t i = 0; i < k; i++) {
    mpst_chunk_entry e = walk_chunk(G.base + MPST_FILE_HEADER_BYTES + i * G.chunk_bytes);
    table[i] = e;
    records += e.records;
    crc = mpst_crc16_step(crc, e.records, e.used_bytes);
  }
  mpst_file_end end;
  memset(&end, 0, sizeof end);
  memcpy(end.magic, MPST_END_MAGIC, 8);
  end.chunks = (uint32_t)k;
  end.table_check = crc;
  end.records = records;
  end.check = mpst_check16((const uint32_t *)&end, sizeof end / 4);
  memcpy(G.base + at + k * MPST_CHUNK_ENTRY_BYTES, &end, sizeof end);
}

void mpst_finish(int status, uint8_t reason) {
  if (atomic_load(&G.state) != MPST_ON) return;
  int no = 0;
  if (!atomic_compare_exchange_strong(&G.ended, &no, 1)) return;
  mpst_tls *t = &T;
  t->depth++;
  if (!t->in_signal) mpst_run_shutdown_hooks();
  for (int i = 0; i < MPST_MAX_THREADS; i++)
    if (atomic_load(&mpst_slots[i].used)) flush_lost(&mpst_slots[i]);
  uint64_t orphan = atomic_exchange(&lost_unattributed, 0);
  if (orphan) mpst_emit_records_lost(0, orphan, 0, 0); /* tid 0: threads without a slot */
  mpst_flush_warnings();
  mpst_emit_process_end(0, status, reason);
  atomic_store(&G.state, MPST_CLOSED);
  /* keep every claimed chunk and put the file end right after the last one */
  uint64_t k = atomic_load(&G.next_chunk);
  if (k > G.max_chunks) k = G.max_chunks;
  uint64_t used = MPST_FILE_HEADER_BYTES + k * G.chunk_bytes;
  /* chunks claimed after a failed growth were never in the file */
  uint64_t have = atomic_load(&G.file_bytes);
  if (used > have) {
    used = have;
    k = (used - MPST_FILE_HEADER_BYTES) / G.chunk_bytes;
    used = MPST_FILE_HEADER_BYTES + k * G.chunk_bytes;
  }
  uint64_t want = used + k * MPST_CHUNK_ENTRY_BYTES + MPST_FILE_END_BYTES;
  int sized = 0, unlocked = 0, got = 0;
  /* the watchdog may be growing the file ahead (mpst_prefault_tick): wait for
     it a little; a lock held by the code this signal interrupted is never freed */
  for (int i = 0; i < (t->in_signal ? 200 : 20000); i++) {
    unlocked = 0;
    if ((got = atomic_compare_exchange_strong(&G.grow_lock, &unlocked, 1))) break;
    sched_yield();
  }
  if (got) {
    int fd = mpst_trace_fd(); /* never truncate or grow a descriptor the program now owns */
    if (fd >= 0) {
      if (want < have) sized = ftruncate(fd, (off_t)want) == 0;
      else sized = want == have || grow_to(have, want) == 0;
    }
    atomic_store(&G.grow_lock, 0);
  }
  if (sized) {
    /* without a file end the reader reports the file as incomplete, which it then is */
    write_file_end(k, used);
    G.end_at = used;
    G.end_bytes = want - used;
  }
  set_header_flags(MPST_FILE_FLAG_CLOSED);
  if (!t->in_signal && G.print_stats) {
    char line[1024];
    mpstrace_recorder_stats(line, sizeof line);
    mpst_msg("mpstrace: stats %s\n", line);
  }
  t->depth--;
}

void mpst_reopen_after_failed_exec(void) {
  if (atomic_load(&G.state) != MPST_CLOSED) return;
  set_header_flags(0);
  /* the file end lies where the next chunk goes: clear it, and let growth start
     from the last chunk again */
  if (G.end_bytes) {
    memset(G.base + G.end_at, 0, (size_t)G.end_bytes);
    atomic_store(&G.file_bytes, G.end_at);
    G.end_bytes = 0;
  }
  atomic_store(&G.ended, 0);
  atomic_store(&G.state, MPST_ON);
}

void mpst_derived_path(char *out, size_t n, const char *suffix) { snprintf(out, n, "%.4000s.%.40s.mpst", G.stem, suffix); }
