/* In-memory implementation of mpst_runtime.h for the hook tests. */
#define _GNU_SOURCE
#include "capture_runtime.h"
#include "../../runtime/mpst_runtime.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#define MAX_RECS 65536
#define MAX_STRS 1024

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static cap_rec g_recs[MAX_RECS];
static int g_n;
static char *g_strs[MAX_STRS];
static int g_nstrs;
static atomic_uint g_corr;
static __thread int t_inside;
static __thread uint64_t t_scratch[MPST_MAX_RECORD_WORDS];
static int g_init;

uint64_t cap_tid(void) { return (uint64_t)syscall(SYS_gettid); }

int64_t mpst_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int mpst_ensure_init(uint8_t backend) {
  pthread_mutex_lock(&g_lock);
  int first = !g_init;
  g_init = 1;
  pthread_mutex_unlock(&g_lock);
  if (first) {
    t_inside++;
    mpst_emit_process_start(0, (uint32_t)getpid(), (uint32_t)getppid(), backend, MPST_CLOCK_MONOTONIC, 0, mpst_intern("capture"));
    t_inside--;
  }
  return 0;
}
int mpst_enabled(void) { return 1; }

int mpst_enter(void) {
  if (t_inside) return 0;
  t_inside = 1;
  return 1;
}
void mpst_leave(void) { t_inside = 0; }
int cap_inside(void) { return t_inside; }

void *mpst_record_begin(unsigned words) {
  /* The real runtime refuses outside an mpst_enter region only for hooks
   * that forgot it; the capture runtime requires it so tests catch that. */
  if (!t_inside || words > MPST_MAX_RECORD_WORDS) return 0;
  memset(t_scratch, 0, words * 8);
  return t_scratch;
}

void mpst_record_end(void *rec, unsigned kind, unsigned words, uint32_t site, int64_t ts) {
  pthread_mutex_lock(&g_lock);
  if (g_n < MAX_RECS) {
    cap_rec *r = &g_recs[g_n++];
    r->kind = kind;
    r->ts = ts;
    r->tid = cap_tid();
    r->site = site;
    memset(r->w, 0, sizeof r->w);
    unsigned n = words > 2 ? words - 2 : 0;
    memcpy(r->w, (uint64_t *)rec + 2, (n > 5 ? 5 : n) * 8);
  }
  pthread_mutex_unlock(&g_lock);
}

uint32_t mpst_intern(const char *s) {
  if (!s) return 0;
  pthread_mutex_lock(&g_lock);
  uint32_t id = 0;
  for (int i = 0; i < g_nstrs; i++)
    if (strcmp(g_strs[i], s) == 0) id = (uint32_t)i + 1;
  if (!id && g_nstrs < MAX_STRS) {
    g_strs[g_nstrs++] = strdup(s);
    id = (uint32_t)g_nstrs;
  }
  pthread_mutex_unlock(&g_lock);
  return id;
}

uint32_t mpst_intern_keyed(const void *key, const char *(*name_of)(const void *key)) { return mpst_intern(name_of(key)); }

uint32_t mpst_callsite(const void *ra) { return ra ? 7 : 0; }
void mpst_blocking_begin(uint64_t target, uint8_t scope, uint32_t api) { (void)target, (void)scope, (void)api; }
void mpst_blocking_end(void) {}
uint32_t mpst_next_corr(void) { return atomic_fetch_add(&g_corr, 1) + 1; }
static void (*g_hooks[8])(void);
static int g_nhooks;
static uint8_t g_backend;
void mpst_add_shutdown_hook(void (*fn)(void)) {
  if (g_nhooks < 8) g_hooks[g_nhooks++] = fn;
}
void mpst_finish(int status, uint8_t reason) {
  (void)status, (void)reason;
  for (int i = 0; i < g_nhooks; i++) g_hooks[i]();
  g_nhooks = 0;
}
void mpst_set_backend(uint8_t backend) { g_backend = backend; }
uint8_t cap_backend(void) { return g_backend; }

int cap_count(void) {
  pthread_mutex_lock(&g_lock);
  int n = g_n;
  pthread_mutex_unlock(&g_lock);
  return n;
}
const cap_rec *cap_get(int i) { return &g_recs[i]; }
void cap_clear(void) {
  pthread_mutex_lock(&g_lock);
  g_n = 0;
  pthread_mutex_unlock(&g_lock);
}
const char *cap_string(uint32_t id) { return id && id <= (uint32_t)g_nstrs ? g_strs[id - 1] : ""; }
