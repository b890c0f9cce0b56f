/* The C side of bench/record-check.mjs (also run alone on the GPU machine:
 * cc -O2 -I instrumentation/include bench/record-check.c; ./a.out N VARIANT):
 * publishes N records with format 1's check (VARIANT 1) or format 2's (2) and
 * prints ns per record. VARIANT 0 only does the surrounding work (the
 * baseline to subtract) and 3 is a hardware CRC-32C folded to 16 bits (x86
 * SSE4.2; a candidate that was measured, not the format). An optional third
 * argument: bytes of other memory the "program" touches between two records,
 * so the check's tables are not always in L1 as in a tight loop. */
#include "mpstrace_format.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* format 1's check, as mpst_record_end computed it before format 2 */
static __attribute__((noinline)) void end_v1(void *rec, unsigned kind, unsigned words, uint32_t site, int64_t ts) {
  uint64_t *w = (uint64_t *)rec;
  w[1] = (uint64_t)ts;
  uint64_t w0 = (uint64_t)kind | (uint64_t)words << 8 | (uint64_t)site << 32;
  uint32_t x = 0x811C9DC5u;
  x = ((x << 5) | (x >> 27)) ^ (uint32_t)w0, x *= 0x9E3779B1u;
  x = ((x << 5) | (x >> 27)) ^ (uint32_t)(w0 >> 32), x *= 0x9E3779B1u;
  const uint32_t *u = (const uint32_t *)rec;
  for (unsigned i = 2; i < words * 2; i++) x = ((x << 5) | (x >> 27)) ^ u[i], x *= 0x9E3779B1u;
  uint64_t check = (x ^ (x >> 16)) & 0xFFFFu;
  __atomic_store_n(w, w0 | check << 16, __ATOMIC_RELEASE);
}

/* format 2's check, as mpst_record_end computes it now */
static __attribute__((noinline)) void end_v2(void *rec, unsigned kind, unsigned words, uint32_t site, int64_t ts) {
  uint64_t *w = (uint64_t *)rec;
  w[1] = (uint64_t)ts;
  uint64_t w0 = (uint64_t)kind | (uint64_t)words << 8 | (uint64_t)site << 32;
  const uint32_t *u = (const uint32_t *)rec;
  uint32_t crc = mpst_crc16_step(MPST_CHECK_INIT, (uint32_t)w0, site);
  for (unsigned i = 2; i < words * 2; i += 2) crc = mpst_crc16_step(crc, u[i], u[i + 1]);
  __atomic_store_n(w, w0 | (uint64_t)crc << 16, __ATOMIC_RELEASE);
}

#if defined(__x86_64__)
#include <nmmintrin.h>
static __attribute__((noinline, target("sse4.2"))) void end_v3(void *rec, unsigned kind, unsigned words, uint32_t site, int64_t ts) {
  uint64_t *w = (uint64_t *)rec;
  w[1] = (uint64_t)ts;
  uint64_t w0 = (uint64_t)kind | (uint64_t)words << 8 | (uint64_t)site << 32;
  uint64_t c = _mm_crc32_u64(0xFFFFFFFFu, w0);
  for (unsigned i = 1; i < words; i++) c = _mm_crc32_u64(c, w[i]);
  uint32_t x = (uint32_t)c;
  __atomic_store_n(w, w0 | (uint64_t)((x ^ (x >> 16)) & 0xFFFFu) << 16, __ATOMIC_RELEASE);
}
#else
#define end_v3 end_v2
#endif

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv) {
  long n = atol(argv[1]);
  int which = atoi(argv[2]);
  long touch = argc > 3 ? atol(argv[3]) : 0;
  static uint8_t other[1 << 20];
  long tpos = 0;
  /* a 64 KiB chunk's worth of records, reused: sizes as in real traces (3 to 7 words) */
  static uint64_t chunk[8192];
  static const unsigned sizes[8] = { 4, 5, 3, 7, 4, 6, 5, 4 };
  for (int i = 0; i < 8192; i++) chunk[i] = 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1);
  double t0 = now();
  long done = 0;
  unsigned pos = 0, s = 0;
  while (done < n) {
    unsigned words = sizes[s++ & 7];
    if (pos + words > 8192) pos = 0;
    for (long b = 0; b < touch; b += 64) {
      other[tpos] += 1;
      tpos = (tpos + 64) & ((1 << 20) - 1);
    }
    if (which == 1) end_v1(&chunk[pos], 40, words, (uint32_t)done, (int64_t)done);
    else if (which == 2) end_v2(&chunk[pos], 40, words, (uint32_t)done, (int64_t)done);
    else if (which == 3) end_v3(&chunk[pos], 40, words, (uint32_t)done, (int64_t)done);
    pos += words;
    done++;
  }
  double t1 = now();
  printf("%.3f %llu %d\n", (t1 - t0) / n, (unsigned long long)chunk[0], other[0]);
  return 0;
}
