/*
 * The Metal/MPS hooks. Every hook is a plain C IMP that asks the engine for
 * the original (mpstm_engine.h), records only when it is the outermost
 * observation of its family on this thread, and always forwards: when the
 * engine had to find the original another way it still calls it (fail open,
 * counted in the self-report), and only a chain with no implementation but
 * ours leaves nothing to call.
 *
 * Confidence notes (nothing here has run on Apple hardware yet):
 *  - Which concrete classes implement each selector, and whether the
 *    MPSCommandBuffer wrapper forwards to the root by message send, is not
 *    known until a Mac run; the metal_hook self-report answers it. A root
 *    commit is recorded exactly once whichever path reaches it (registry flag).
 *  - Under MTL_DEBUG_LAYER one call arrives at two root-class levels; only
 *    the outermost is recorded (family depth).
 */
#include "mpstm_hooks.h"

#include "mpstm_completion.h"
#include "mpstm_engine.h"
#include "mpstm_registry.h"
#include "../runtime/mpst_runtime.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include "mpstm_atomic.h"
#include <string.h>
#include <time.h>

/* MTLCommandBufferStatus values (public Metal API). */
enum { CB_STATUS_COMMITTED = 2, CB_STATUS_COMPLETED = 4, CB_STATUS_ERROR = 5 };

/* Selector families: only the outermost call of a family on a thread is
 * recorded, so wrapper→root and debug-layer→driver chains count once. */
enum family {
  F_NONE = -1,
  F_QUEUE_NEW = 0,
  F_EVENT_NEW,
  F_ROOT_NEW,
  F_WRAPPER_NEW,
  F_COMMIT,
  F_ENQUEUE,
  F_WAIT_DONE,
  F_WAIT_SCHED,
  F_SIGNAL,
  F_WAIT_EVENT,
  F_NOTIFY,
  F_SET_VALUE,
  F_COUNT
};
static __thread int t_family[F_COUNT];

static int s_classes, s_handlers_added, s_handlers_skipped, s_completions, s_ready_waits;

/* Selectors the hooks send themselves, registered once. */
static SEL sel_commandQueue, sel_rootCommandBuffer, sel_status, sel_error, sel_code, sel_GPUStartTime, sel_GPUEndTime;
static pthread_once_t sels_once = PTHREAD_ONCE_INIT;
static void init_sels(void) {
  sel_commandQueue = sel_registerName("commandQueue");
  sel_rootCommandBuffer = sel_registerName("rootCommandBuffer");
  sel_status = sel_registerName("status");
  sel_error = sel_registerName("error");
  sel_code = sel_registerName("code");
  sel_GPUStartTime = sel_registerName("GPUStartTime");
  sel_GPUEndTime = sel_registerName("GPUEndTime");
}

/* ---- kill switches -------------------------------------------------------- */

static const struct {
  const char *name;
  unsigned bits;
} GROUP_NAMES[] = { { "queues", MPSTM_G_QUEUES },   { "buffers", MPSTM_G_BUFFERS }, { "completion", MPSTM_G_COMPLETION },
                    { "waits", MPSTM_G_WAITS },     { "events", MPSTM_G_EVENTS },   { "wrapper", MPSTM_G_WRAPPER },
                    { "dealloc", MPSTM_G_DEALLOC }, { "all", MPSTM_G_ALL } };

static unsigned g_skip;
static pthread_once_t skip_once = PTHREAD_ONCE_INIT;
static void parse_skip(void) {
  const char *v = getenv("MPSTRACE_METAL_SKIP");
  if (!v) return;
  char buf[256];
  snprintf(buf, sizeof buf, "%s", v);
  for (char *save = 0, *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(0, ", ", &save)) {
    unsigned bits = 0;
    for (size_t i = 0; i < sizeof GROUP_NAMES / sizeof GROUP_NAMES[0]; i++)
      if (strcmp(tok, GROUP_NAMES[i].name) == 0) bits = GROUP_NAMES[i].bits;
    if (!bits)
      fprintf(stderr,
              "mpstrace-metal: ignoring '%s' in MPSTRACE_METAL_SKIP (known: queues, buffers, completion, waits, events, wrapper, dealloc, "
              "all)\n",
              tok);
    g_skip |= bits;
  }
}
unsigned mpstm_skipped_groups(void) {
  pthread_once(&skip_once, parse_skip);
  return g_skip;
}

static int verbose(void) {
  const char *v = getenv("MPSTRACE_METAL_VERBOSE");
  return v && *v && strcmp(v, "0") != 0;
}

/* ---- hook call frame ------------------------------------------------------ */

typedef struct hook {
  mpstm_call call;
  int fam;
  int want; /* outermost in its family and not a super call: record */
  void *ret; /* caller's return address, for the call-site id */
} hook;

static void hook_begin(hook *h, id self, SEL cmd, int fam, void *ret) {
  mpstm_call_begin(&h->call, self, cmd); /* fail open: orig may come from the fallback route */
  h->fam = fam;
  h->ret = ret;
  h->want = !h->call.nested && (fam < 0 || t_family[fam] == 0);
}
/* Brackets the call of the original; recording happens outside it, so hooks
 * reached from inside the original (wrapper → root) are not suppressed by
 * the runtime's reentrancy guard, only by the family depth. */
static void hook_forward_begin(hook *h) {
  if (h->fam >= 0) t_family[h->fam]++;
}
static void hook_forward_end(hook *h) {
  if (h->fam >= 0) t_family[h->fam]--;
  mpstm_call_end(&h->call);
}
/* Opens a recording region; the runtime refuses when this thread is already
 * recording (our own Metal calls from inside a hook land here). */
static int rec_enter(hook *h) { return h->want && mpst_enter(); }
static uint32_t site_of(hook *h) { return mpst_callsite(h->ret); }

/* Calls the original when there is one (nothing to call only when the
 * receiver's chain holds no implementation but ours). */
#define HAS_ORIG(h) ((h)->call.orig != 0)
#define ORIG(h, type) MPSTM_FN(type, (h)->call.orig)

#define MPSTM_UNPAREN(...) __VA_ARGS__
/* A factory-method hook: forward the call, then hand what the original
 * returned to `noted(h, self, result)`. TYPES, PARAMS and ARGS are the
 * parameters after (self, cmd), parenthesized with a leading comma:
 * `(, id)`, `(, id desc)`, `(, desc)`; `()` for none. */
#define FACTORY_HOOK(fn, fam, noted, TYPES, PARAMS, ARGS)                                                                                  \
  static id fn(id self, SEL cmd MPSTM_UNPAREN PARAMS) {                                                                                    \
    hook h;                                                                                                                                \
    hook_begin(&h, self, cmd, fam, __builtin_return_address(0));                                                                           \
    hook_forward_begin(&h);                                                                                                                \
    id made = HAS_ORIG(&h) ? ORIG(&h, id(*)(id, SEL MPSTM_UNPAREN TYPES))(self, cmd MPSTM_UNPAREN ARGS) : nil;                             \
    hook_forward_end(&h);                                                                                                                  \
    noted(&h, self, made);                                                                                                                 \
    return made;                                                                                                                           \
  }

/* ---- stream observation (mpstrace_metal_observe_*) ------------------------ */

static __thread struct {
  int active, many;
  uint64_t queue;
} t_obs;

static void observe(uint64_t queue) {
  if (!t_obs.active || !queue) return;
  if (!t_obs.queue) t_obs.queue = queue;
  else if (t_obs.queue != queue) t_obs.many = 1;
}

/* ---- registry helpers (call inside a recording region) -------------------- */

/* stream_create is written at a queue's first use, not at its creation: a
 * queue released unused (MPSGuardImpl::record/block build a temporary
 * MPSStream) is no stream of the program. */
static void announce(mpstm_obj *q, uint32_t site) {
  if (!q->ptr || (q->flags & MPSTM_Q_ANNOUNCED)) return;
  uint32_t before = mpstm_reg_set_flag(q->ptr, MPSTM_Q_ANNOUNCED);
  q->flags |= MPSTM_Q_ANNOUNCED;
  if (before != 0xFFFFFFFFu && (before & MPSTM_Q_ANNOUNCED)) return;
  mpst_emit_stream_create(site, q->ptr, 0, 0);
  mpst_emit_object_create(site, q->ptr, q->root, 0, MPST_OBJECT_TYPE_COMMAND_QUEUE);
}

static mpstm_obj queue_used(id queue, uint32_t site) {
  mpstm_obj q;
  if (!mpstm_reg_get((uint64_t)(uintptr_t)queue, &q) || q.kind != MPSTM_OBJ_QUEUE) {
    q = mpstm_reg_add_queue((uint64_t)(uintptr_t)queue, 0);
    mpstm_discover(queue, MPSTM_HK_QUEUE);
  }
  announce(&q, site);
  return q;
}

/* Slot ownership inference (no annotation from the runtime): the first time
 * this thread uses a PyTorch stream queue ("metal gpu stream" paired) that
 * is not known to be the default stream, it is taken to own that stream.
 * The slot is the PyTorch id when one was observed, else a recorder-local
 * number >= MPSTM_LOCAL_SLOT_BASE. Other queues (MPSGraph's, the program's
 * own) are never slots. */
#define THREAD_QUEUES 64
static __thread uint64_t t_queues[THREAD_QUEUES];
static __thread unsigned t_nqueues;

static void note_use(const mpstm_obj *q, uint32_t site) {
  if (!q->ptr) return;
  observe(q->ptr);
  unsigned n = t_nqueues < THREAD_QUEUES ? t_nqueues : THREAD_QUEUES;
  for (unsigned i = 0; i < n; i++)
    if (t_queues[i] == q->ptr) return;
  t_queues[t_nqueues++ % THREAD_QUEUES] = q->ptr;
  if (q->serial < 0 || mpstm_reg_is_default_queue(q)) return;
  uint32_t slot = q->ordinal >= 0 ? (uint32_t)q->ordinal : MPSTM_LOCAL_SLOT_BASE + (uint32_t)q->serial;
  mpst_emit_slot_acquire(site, q->ptr, slot, -1, 0, MPST_SLOT_SOURCE_INFERRED);
}

static int completion_on(void) { return !(mpstm_skipped_groups() & MPSTM_G_COMPLETION); }

/* The root cb's registry entry; a root first seen here (created through a
 * path we did not hook) gets its cb_create now. A root seen at its creation
 * (`fresh`) gets our completed handler right away: only the creating thread
 * holds it yet, so no commit can race the registration. */
static mpstm_obj root_known(id cb, id queue_hint, uint32_t site, int fresh) {
  mpstm_obj o;
  if (mpstm_reg_get((uint64_t)(uintptr_t)cb, &o) && o.kind == MPSTM_OBJ_ROOT_CB) return o;
  pthread_once(&sels_once, init_sels);
  id queue = queue_hint ? queue_hint : mpstm_send_id(cb, sel_commandQueue);
  mpstm_obj q = queue ? queue_used(queue, site) : (mpstm_obj){ 0 };
  memset(&o, 0, sizeof o);
  o.ptr = (uint64_t)(uintptr_t)cb;
  o.kind = MPSTM_OBJ_ROOT_CB;
  o.queue = q.ptr;
  o.corr = mpst_next_corr();
  if (fresh) {
    o.flags = MPSTM_CB_READY;
    if (completion_on() && mpstm_add_completion(cb, mpstm_cb_completed, (void *)(uintptr_t)o.corr)) {
      o.flags |= MPSTM_CB_HANDLER;
      mpstm_add(&s_handlers_added, 1);
    }
  }
  mpstm_reg_put(&o);
  mpstm_discover(cb, MPSTM_HK_ROOT_CB);
  mpst_emit_cb_create(site, o.ptr, o.queue, o.corr);
  note_use(&q, site);
  return o;
}

/* Last cb → queue answer of this thread, valid while the registry is
 * unchanged: a stream's encode calls between commits skip both lookups. */
static __thread struct {
  uint64_t cb;
  uint32_t gen;
  mpstm_obj q;
} t_cache;

static mpstm_obj queue_of_cb(id cb, uint32_t site) {
  uint32_t gen = mpstm_reg_generation();
  if (t_cache.cb == (uint64_t)(uintptr_t)cb && t_cache.gen == gen) {
    note_use(&t_cache.q, site);
    return t_cache.q;
  }
  mpstm_obj o, q = { 0 };
  uint64_t queue = 0;
  if (mpstm_reg_get((uint64_t)(uintptr_t)cb, &o)) queue = o.kind == MPSTM_OBJ_WRAPPER_CB || o.kind == MPSTM_OBJ_ROOT_CB ? o.queue : 0;
  if (!queue) {
    pthread_once(&sels_once, init_sels);
    id qid = mpstm_send_id(cb, sel_commandQueue);
    if (qid) q = queue_used(qid, site);
  } else if (!mpstm_reg_get(queue, &q)) {
    q.ptr = queue;
    q.serial = q.ordinal = -1;
  }
  note_use(&q, site);
  t_cache.cb = (uint64_t)(uintptr_t)cb;
  t_cache.gen = mpstm_reg_generation() == gen ? gen : gen - 1; /* changed meanwhile: do not trust */
  t_cache.q = q;
  return q;
}

/* Another thread's hook claimed this root's commit and may be adding our
 * handler right now: a commit reaching Metal in between aborts the process
 * ("completed handler provided after commit"). Wait for it, briefly: the
 * claimer only runs -addCompletedHandler:. Fail open after ~0.2 s. */
static void wait_ready(uint64_t cb) {
  mpstm_obj o;
  for (int i = 0; i < 2000; i++) {
    if (!mpstm_reg_get(cb, &o) || (o.flags & MPSTM_CB_READY)) return;
    if (i == 0) mpstm_add(&s_ready_waits, 1);
    if (i < 50) {
      sched_yield();
    } else {
      struct timespec ts = { 0, 100000 };
      nanosleep(&ts, 0);
    }
  }
}

/* Writes the cb_commit of root `cb` once, adding our completed handler
 * before Metal sees the commit when it was not added at creation. Reached
 * from the root's own -commit and from the wrapper's -commit /
 * -commitAndContinue, whichever comes first; a later arrival waits until
 * the first one is done, so its commit cannot overtake the registration. */
static void root_commit(id cb, uint8_t and_continue, uint32_t site) {
  mpstm_obj o = root_known(cb, 0, site, 0);
  uint32_t before = mpstm_reg_set_flag(o.ptr, MPSTM_CB_COMMITTED);
  if (before == 0xFFFFFFFFu) return; /* deallocated meanwhile */
  if (before & MPSTM_CB_COMMITTED) {
    if (!(before & MPSTM_CB_READY)) wait_ready(o.ptr);
    return;
  }
  mpstm_obj q;
  if (mpstm_reg_get(o.queue, &q)) note_use(&q, site);
  if (!(before & MPSTM_CB_READY)) {
    pthread_once(&sels_once, init_sels);
    uint64_t status = mpstm_send_u64(cb, sel_status, 0);
    if (completion_on() && status < CB_STATUS_COMMITTED && mpstm_add_completion(cb, mpstm_cb_completed, (void *)(uintptr_t)o.corr)) {
      mpstm_reg_set_flag(o.ptr, MPSTM_CB_HANDLER);
      mpstm_add(&s_handlers_added, 1);
    } else {
      mpstm_add(&s_handlers_skipped, 1);
    }
    mpstm_reg_set_flag(o.ptr, MPSTM_CB_READY);
  }
  mpst_emit_cb_commit(site, o.ptr, o.queue, o.corr, and_continue);
}

void mpstm_cb_completed(id cb, void *ctx) {
  mpstm_add(&s_completions, 1);
  if (!mpst_enter()) return;
  pthread_once(&sels_once, init_sels);
  uint32_t corr = (uint32_t)(uintptr_t)ctx;
  /* GPUStartTime/GPUEndTime are seconds of host (mach) time, which is
   * CLOCK_UPTIME_RAW; the Linux stand-ins report seconds of mpst_now(). */
  double start = mpstm_send_double(cb, sel_GPUStartTime);
  double end = mpstm_send_double(cb, sel_GPUEndTime);
  uint64_t status = mpstm_send_u64(cb, sel_status, CB_STATUS_COMPLETED);
  int32_t error = 0;
  if (status == CB_STATUS_ERROR) {
    id err = mpstm_send_id(cb, sel_error);
    int64_t code = err ? (int64_t)mpstm_send_u64(err, sel_code, 0) : 0;
    error = code ? (int32_t)code : -1;
  } else if (status != CB_STATUS_COMPLETED) {
    error = -1000 - (int32_t)status; /* handler ran in an unexpected state */
  }
  int64_t ts = start > 0 ? (int64_t)(start * 1e9) : mpst_now();
  int64_t dur = end > start ? (int64_t)((end - start) * 1e9) : 0;
  mpst_emit_complete_at(ts, 0, corr, error, dur);
  mpst_leave();
}

/* ---- device --------------------------------------------------------------- */

/* A new queue is only registered; see announce(). */
static void queue_created(hook *h, id self, id queue) {
  if (!queue || !rec_enter(h)) return;
  mpstm_obj q = mpstm_reg_add_queue((uint64_t)(uintptr_t)queue, (uint64_t)(uintptr_t)self);
  mpstm_discover(queue, MPSTM_HK_QUEUE);
  mpstm_reg_note_thread_queue(q.ptr);
  mpstm_try_hook_mps_class();
  mpst_leave();
}

FACTORY_HOOK(h_dev_new_queue, F_QUEUE_NEW, queue_created, (), (), ())

FACTORY_HOOK(h_dev_new_queue_u64, F_QUEUE_NEW, queue_created, (, uint64_t), (, uint64_t arg), (, arg))

FACTORY_HOOK(h_dev_new_queue_id, F_QUEUE_NEW, queue_created, (, id), (, id arg), (, arg))

static void event_created(hook *h, id device, id event) {
  (void)device;
  if (!event || !rec_enter(h)) return;
  mpstm_obj e;
  memset(&e, 0, sizeof e);
  e.ptr = (uint64_t)(uintptr_t)event;
  e.kind = MPSTM_OBJ_EVENT;
  mpstm_reg_put(&e);
  mpstm_discover(event, MPSTM_HK_EVENT);
  /* Whether PyTorch will time this event is decided above Metal, so timing
   * is 0 here; the Python layer's records carry what is known. */
  mpst_emit_event_create(site_of(h), e.ptr, 0, 0);
  mpst_leave();
}

FACTORY_HOOK(h_dev_new_event, F_EVENT_NEW, event_created, (), (), ())

FACTORY_HOOK(h_dev_new_event_id, F_EVENT_NEW, event_created, (, id), (, id arg), (, arg))

/* ---- queue ---------------------------------------------------------------- */

static void root_created(hook *h, id queue, id cb) {
  if (!cb || !rec_enter(h)) return;
  (void)root_known(cb, queue, site_of(h), 1);
  mpst_leave();
}

FACTORY_HOOK(h_queue_cb, F_ROOT_NEW, root_created, (), (), ())

FACTORY_HOOK(h_queue_cb_id, F_ROOT_NEW, root_created, (, id), (, id desc), (, desc))

/* ---- lifetimes (dealloc) -------------------------------------------------- */

static void h_dealloc(id self, SEL cmd) {
  hook h;
  hook_begin(&h, self, cmd, F_NONE, __builtin_return_address(0));
  mpstm_obj o;
  /* Forget the pointer before the memory can be reused, recording or not. */
  if (mpstm_reg_remove((uint64_t)(uintptr_t)self, &o) && rec_enter(&h)) {
    uint32_t site = site_of(&h);
    switch (o.kind) {
      case MPSTM_OBJ_QUEUE:
        if (o.flags & MPSTM_Q_ANNOUNCED) { /* a queue never used was never a stream */
          mpst_emit_stream_destroy(site, o.ptr);
          mpst_emit_object_destroy(site, o.ptr, MPST_OBJECT_TYPE_COMMAND_QUEUE);
        }
        break;
      case MPSTM_OBJ_ROOT_CB: mpst_emit_cb_dealloc(site, o.ptr, o.corr); break;
      case MPSTM_OBJ_WRAPPER_CB: mpst_emit_object_destroy(site, o.ptr, MPST_OBJECT_TYPE_COMMAND_BUFFER); break;
      case MPSTM_OBJ_EVENT: mpst_emit_event_destroy(site, o.ptr); break;
      default: break;
    }
    mpst_leave();
  }
  hook_forward_begin(&h);
  if (HAS_ORIG(&h)) ORIG(&h, void (*)(id, SEL))(self, cmd);
  hook_forward_end(&h);
}

/* ---- root command buffer and wrapper (shared selectors) ------------------- */

static void h_root_commit(id self, SEL cmd) {
  hook h;
  hook_begin(&h, self, cmd, F_COMMIT, __builtin_return_address(0));
  if (rec_enter(&h)) {
    root_commit(self, 0, site_of(&h));
    mpst_leave();
  }
  hook_forward_begin(&h);
  if (HAS_ORIG(&h)) ORIG(&h, void (*)(id, SEL))(self, cmd);
  hook_forward_end(&h);
}

static void h_enqueue(id self, SEL cmd) {
  hook h;
  hook_begin(&h, self, cmd, F_ENQUEUE, __builtin_return_address(0));
  /* -commit enqueues implicitly; only an enqueue of its own is worth a marker. */
  if (t_family[F_COMMIT] == 0 && rec_enter(&h)) {
    /* No schema kind for "enqueued, not committed"; a marker keeps it visible. */
    mpst_emit_marker(site_of(&h), mpst_intern("MTLCommandBuffer.enqueue"));
    mpst_leave();
  }
  hook_forward_begin(&h);
  if (HAS_ORIG(&h)) ORIG(&h, void (*)(id, SEL))(self, cmd);
  hook_forward_end(&h);
}

static void wait_hook(id self, SEL cmd, int fam, const char *api, void *ret) {
  hook h;
  hook_begin(&h, self, cmd, fam, ret);
  uint64_t target = 0;
  uint32_t api_id = 0, site = 0;
  int recorded = 0;
  if (rec_enter(&h)) {
    site = site_of(&h);
    target = queue_of_cb(self, site).ptr;
    api_id = mpst_intern(api);
    mpst_emit_sync_begin(site, target, MPST_SYNC_SCOPE_STREAM, api_id);
    mpst_blocking_begin(target, MPST_SYNC_SCOPE_STREAM, api_id);
    mpst_leave();
    recorded = 1;
  }
  hook_forward_begin(&h);
  if (HAS_ORIG(&h)) ORIG(&h, void (*)(id, SEL))(self, cmd);
  hook_forward_end(&h);
  if (recorded && mpst_enter()) {
    pthread_once(&sels_once, init_sels);
    mpst_blocking_end();
    int32_t result = mpstm_send_u64(self, sel_status, 0) == CB_STATUS_ERROR ? -1 : 0;
    mpst_emit_sync_end(site, target, MPST_SYNC_SCOPE_STREAM, api_id, result);
    mpst_leave();
  }
}

static void h_wait_completed(id self, SEL cmd) { wait_hook(self, cmd, F_WAIT_DONE, "waitUntilCompleted", __builtin_return_address(0)); }
static void h_wait_scheduled(id self, SEL cmd) { wait_hook(self, cmd, F_WAIT_SCHED, "waitUntilScheduled", __builtin_return_address(0)); }

/* Signal and wait carry the counter value: a Metal wait for v is satisfied
 * by the signal of a value >= v, which event_value lets the analysis match
 * (event_record/event_wait alone would say "the latest record"). */
static void h_signal_event(id self, SEL cmd, id event, uint64_t value) {
  hook h;
  hook_begin(&h, self, cmd, F_SIGNAL, __builtin_return_address(0));
  if (rec_enter(&h)) {
    uint32_t site = site_of(&h);
    uint64_t stream = queue_of_cb(self, site).ptr;
    mpst_emit_event_record(site, (uint64_t)(uintptr_t)event, stream);
    mpst_emit_event_value(site, (uint64_t)(uintptr_t)event, value, stream, MPST_EVENT_VALUE_OP_SIGNAL);
    mpst_leave();
  }
  hook_forward_begin(&h);
  if (HAS_ORIG(&h)) ORIG(&h, void (*)(id, SEL, id, uint64_t))(self, cmd, event, value);
  hook_forward_end(&h);
}

static void h_wait_event(id self, SEL cmd, id event, uint64_t value) {
  hook h;
  hook_begin(&h, self, cmd, F_WAIT_EVENT, __builtin_return_address(0));
  if (rec_enter(&h)) {
    uint32_t site = site_of(&h);
    uint64_t stream = queue_of_cb(self, site).ptr;
    mpst_emit_event_wait(site, (uint64_t)(uintptr_t)event, stream);
    mpst_emit_event_value(site, (uint64_t)(uintptr_t)event, value, stream, MPST_EVENT_VALUE_OP_WAIT);
    mpst_leave();
  }
  hook_forward_begin(&h);
  if (HAS_ORIG(&h)) ORIG(&h, void (*)(id, SEL, id, uint64_t))(self, cmd, event, value);
  hook_forward_end(&h);
}

/* Forwarded untouched: the schema has no kind for handler registration; the
 * self-report counts the calls (ours, made in root_known/root_commit, and
 * PyTorch's). */
static void h_add_handler(id self, SEL cmd, id block) {
  hook h;
  hook_begin(&h, self, cmd, F_NONE, __builtin_return_address(0));
  hook_forward_begin(&h);
  if (HAS_ORIG(&h)) ORIG(&h, void (*)(id, SEL, id))(self, cmd, block);
  hook_forward_end(&h);
}

/* ---- MPSCommandBuffer ----------------------------------------------------- */

static void wrapper_created(hook *h, id queue, id w) {
  if (!w || !rec_enter(h)) return;
  uint32_t site = site_of(h);
  pthread_once(&sels_once, init_sels);
  mpstm_discover(w, MPSTM_HK_MPS_CB);
  mpstm_obj q = queue ? queue_used(queue, site) : (mpstm_obj){ 0 };
  id root = mpstm_send_id(w, sel_rootCommandBuffer);
  mpstm_obj r = root ? root_known(root, queue, site, 0) : (mpstm_obj){ 0 };
  mpstm_obj o;
  memset(&o, 0, sizeof o);
  o.ptr = (uint64_t)(uintptr_t)w;
  o.kind = MPSTM_OBJ_WRAPPER_CB;
  o.queue = q.ptr;
  o.root = r.ptr;
  mpstm_reg_put(&o);
  mpst_emit_object_create(site, o.ptr, q.ptr, 0, MPST_OBJECT_TYPE_COMMAND_BUFFER);
  note_use(&q, site);
  mpst_leave();
}

static id h_mps_from_queue(id self, SEL cmd, id queue) {
  hook h;
  hook_begin(&h, self, cmd, F_WRAPPER_NEW, __builtin_return_address(0));
  hook_forward_begin(&h);
  id w = HAS_ORIG(&h) ? ORIG(&h, id(*)(id, SEL, id))(self, cmd, queue) : nil;
  hook_forward_end(&h);
  wrapper_created(&h, queue, w);
  return w;
}

static void h_mps_commit(id self, SEL cmd) {
  hook h;
  hook_begin(&h, self, cmd, F_COMMIT, __builtin_return_address(0));
  if (rec_enter(&h)) {
    pthread_once(&sels_once, init_sels);
    id root = mpstm_send_id(self, sel_rootCommandBuffer);
    if (root) root_commit(root, 0, site_of(&h));
    mpst_leave();
  }
  hook_forward_begin(&h);
  if (HAS_ORIG(&h)) ORIG(&h, void (*)(id, SEL))(self, cmd);
  hook_forward_end(&h);
}

/* "Commits the underlying root MTLCommandBuffer, and makes a new one on the
 * same command queue" (MPSCommandBuffer.h). The old root is committed with
 * and_continue=1; the new root is picked up afterwards. */
static void h_mps_commit_continue(id self, SEL cmd) {
  hook h;
  hook_begin(&h, self, cmd, F_COMMIT, __builtin_return_address(0));
  uint32_t site = 0;
  int recorded = 0;
  if (rec_enter(&h)) {
    pthread_once(&sels_once, init_sels);
    site = site_of(&h);
    id root = mpstm_send_id(self, sel_rootCommandBuffer);
    if (root) root_commit(root, 1, site);
    mpst_leave();
    recorded = 1;
  }
  hook_forward_begin(&h);
  if (HAS_ORIG(&h)) ORIG(&h, void (*)(id, SEL))(self, cmd);
  hook_forward_end(&h);
  if (recorded && mpst_enter()) {
    id root = mpstm_send_id(self, sel_rootCommandBuffer);
    mpstm_obj o;
    if (root && mpstm_reg_get((uint64_t)(uintptr_t)self, &o)) {
      mpstm_obj r = root_known(root, 0, site, 0);
      o.root = r.ptr;
      mpstm_reg_put(&o);
    }
    mpst_leave();
  }
}

/* Only discovers the root's concrete class (lazily, from the object). */
static id h_mps_root(id self, SEL cmd) {
  hook h;
  hook_begin(&h, self, cmd, F_NONE, __builtin_return_address(0));
  hook_forward_begin(&h);
  id root = HAS_ORIG(&h) ? ORIG(&h, id(*)(id, SEL))(self, cmd) : nil;
  hook_forward_end(&h);
  if (root && rec_enter(&h)) {
    mpstm_discover(root, MPSTM_HK_ROOT_CB);
    mpst_leave();
  }
  return root;
}

/* ---- shared event --------------------------------------------------------- */

/* PyTorch's MPSEvent::synchronize and elapsed-time are notifyListener + a
 * condition-variable wait that no Metal hook sees; the registration (op
 * notify) and the moment the listener block runs (op notify_fire, on the
 * listener's thread) are what the Metal level can say. */
static void notify_fired(id event, uint64_t value) {
  if (!mpst_enter()) return;
  mpst_emit_event_value(0, (uint64_t)(uintptr_t)event, value, 0, MPST_EVENT_VALUE_OP_NOTIFY_FIRE);
  mpst_leave();
}

static void h_event_notify(id self, SEL cmd, id listener, uint64_t value, id block) {
  hook h;
  hook_begin(&h, self, cmd, F_NOTIFY, __builtin_return_address(0));
  id wrapped = nil;
  if (rec_enter(&h)) {
    mpst_emit_event_value(site_of(&h), (uint64_t)(uintptr_t)self, value, 0, MPST_EVENT_VALUE_OP_NOTIFY);
    wrapped = mpstm_wrap_notify(block, notify_fired);
    mpst_leave();
  }
  hook_forward_begin(&h);
  if (HAS_ORIG(&h)) ORIG(&h, void (*)(id, SEL, id, uint64_t, id))(self, cmd, listener, value, wrapped ? wrapped : block);
  hook_forward_end(&h);
  mpstm_release_wrapper(wrapped);
}

static void h_event_set_value(id self, SEL cmd, uint64_t value) {
  hook h;
  hook_begin(&h, self, cmd, F_SET_VALUE, __builtin_return_address(0));
  if (rec_enter(&h)) {
    mpst_emit_event_value(site_of(&h), (uint64_t)(uintptr_t)self, value, 0, MPST_EVENT_VALUE_OP_SET);
    mpst_leave();
  }
  hook_forward_begin(&h);
  if (HAS_ORIG(&h)) ORIG(&h, void (*)(id, SEL, uint64_t))(self, cmd, value);
  hook_forward_end(&h);
}

/* ---- the hook table ------------------------------------------------------- */

#define AS_IMP(f) ((IMP)(void (*)(void))(f))

typedef struct hook_spec {
  uint8_t kind;
  unsigned groups; /* any skipped group skips the hook */
  const char *sel;
  IMP imp;
} hook_spec;

enum {
  Q = MPSTM_G_QUEUES,
  B = MPSTM_G_BUFFERS,
  C = MPSTM_G_COMPLETION,
  W = MPSTM_G_WAITS,
  E = MPSTM_G_EVENTS,
  M = MPSTM_G_WRAPPER,
  D = MPSTM_G_DEALLOC
};

static const hook_spec HOOKS[] = {
  { MPSTM_HK_DEVICE, Q, "newCommandQueue", AS_IMP(h_dev_new_queue) },
  { MPSTM_HK_DEVICE, Q, "newCommandQueueWithMaxCommandBufferCount:", AS_IMP(h_dev_new_queue_u64) },
  { MPSTM_HK_DEVICE, Q, "newCommandQueueWithDescriptor:", AS_IMP(h_dev_new_queue_id) },
  { MPSTM_HK_DEVICE, E, "newSharedEvent", AS_IMP(h_dev_new_event) },
  { MPSTM_HK_DEVICE, E, "newSharedEventWithHandle:", AS_IMP(h_dev_new_event_id) },

  { MPSTM_HK_QUEUE, B, "commandBuffer", AS_IMP(h_queue_cb) },
  { MPSTM_HK_QUEUE, B, "commandBufferWithUnretainedReferences", AS_IMP(h_queue_cb) },
  { MPSTM_HK_QUEUE, B, "commandBufferWithDescriptor:", AS_IMP(h_queue_cb_id) },
  { MPSTM_HK_QUEUE, Q | D, "dealloc", AS_IMP(h_dealloc) },

  { MPSTM_HK_ROOT_CB, B, "commit", AS_IMP(h_root_commit) },
  { MPSTM_HK_ROOT_CB, B, "enqueue", AS_IMP(h_enqueue) },
  { MPSTM_HK_ROOT_CB, W, "waitUntilCompleted", AS_IMP(h_wait_completed) },
  { MPSTM_HK_ROOT_CB, W, "waitUntilScheduled", AS_IMP(h_wait_scheduled) },
  { MPSTM_HK_ROOT_CB, E, "encodeSignalEvent:value:", AS_IMP(h_signal_event) },
  { MPSTM_HK_ROOT_CB, E, "encodeWaitForEvent:value:", AS_IMP(h_wait_event) },
  { MPSTM_HK_ROOT_CB, C, "addCompletedHandler:", AS_IMP(h_add_handler) },
  { MPSTM_HK_ROOT_CB, B | D, "dealloc", AS_IMP(h_dealloc) },

  { MPSTM_HK_MPS_CB_CLASS, M, "commandBufferFromCommandQueue:", AS_IMP(h_mps_from_queue) },
  { MPSTM_HK_MPS_CB, M, "commit", AS_IMP(h_mps_commit) },
  { MPSTM_HK_MPS_CB, M, "commitAndContinue", AS_IMP(h_mps_commit_continue) },
  { MPSTM_HK_MPS_CB, M, "rootCommandBuffer", AS_IMP(h_mps_root) },
  { MPSTM_HK_MPS_CB, M | W, "waitUntilCompleted", AS_IMP(h_wait_completed) },
  { MPSTM_HK_MPS_CB, M | E, "encodeSignalEvent:value:", AS_IMP(h_signal_event) },
  { MPSTM_HK_MPS_CB, M | E, "encodeWaitForEvent:value:", AS_IMP(h_wait_event) },
  { MPSTM_HK_MPS_CB, M | C, "addCompletedHandler:", AS_IMP(h_add_handler) },
  { MPSTM_HK_MPS_CB, M | D, "dealloc", AS_IMP(h_dealloc) },

  { MPSTM_HK_EVENT, E, "notifyListener:atValue:block:", AS_IMP(h_event_notify) },
  { MPSTM_HK_EVENT, E, "setSignaledValue:", AS_IMP(h_event_set_value) },
  { MPSTM_HK_EVENT, E | D, "dealloc", AS_IMP(h_dealloc) },
};

static const char *const KIND_NAMES[] = { "?",           "device", "queue", "command buffer", "MPSCommandBuffer", "MPSCommandBuffer class",
                                          "shared event" };

/* (class, kind) pairs already hooked; insert-only, lock-free reads. */
#define SEEN_SLOTS 512
static uintptr_t g_seen_cls[SEEN_SLOTS];
static uint8_t g_seen_kind[SEEN_SLOTS];
static int g_seen_n;
static pthread_mutex_t g_seen_lock = PTHREAD_MUTEX_INITIALIZER;

/* Selectors of a hooked class that were not installed (the class lacks them,
 * or a kill switch skipped them): rows of the self-report. */
#define NOT_HOOKED_SLOTS 256
static struct {
  Class cls;
  uint8_t kind, state;
  const char *sel;
} g_not_hooked[NOT_HOOKED_SLOTS];
static int g_not_hooked_n;

static int seen(Class cls, int kind) {
  int n = mpstm_load_acq(&g_seen_n);
  for (int i = 0; i < n; i++)
    if (mpstm_load_rlx(&g_seen_cls[i]) == (uintptr_t)cls && g_seen_kind[i] == kind) return 1;
  return 0;
}

static const char *role_of(Class cls) {
  int n = mpstm_load_acq(&g_seen_n);
  for (int i = 0; i < n; i++)
    if (mpstm_load_rlx(&g_seen_cls[i]) == (uintptr_t)cls) return KIND_NAMES[g_seen_kind[i]];
  return "";
}

/* Runs inside our own recording regions (classes are hooked from hooks) and,
 * at exit, as a runtime shutdown hook inside the runtime's region; either
 * way mpst_enter refuses and the record is written within the open region. */
static void report_row(Class cls, const char *sel, const char *role, uint64_t hits, uint8_t state, int at_exit) {
  int entered = mpst_enter();
  mpst_emit_metal_hook(0, mpst_intern(class_getName(cls)), mpst_intern(sel), mpst_intern(role), hits, state, (uint8_t)(at_exit != 0));
  if (entered) mpst_leave();
}

static int hook_class(Class cls, int kind) {
  if (!cls || seen(cls, kind)) return 0;
  unsigned skip = mpstm_skipped_groups();
  pthread_mutex_lock(&g_seen_lock);
  int installed = 0;
  if (!seen(cls, kind)) {
    int n = mpstm_load_rlx(&g_seen_n);
    if (n < SEEN_SLOTS) {
      g_seen_kind[n] = (uint8_t)kind;
      mpstm_store_rlx(&g_seen_cls[n], (uintptr_t)cls);
      mpstm_store_rel(&g_seen_n, n + 1);
    }
    int v = verbose();
    for (size_t i = 0; i < sizeof HOOKS / sizeof HOOKS[0]; i++) {
      if (HOOKS[i].kind != kind) continue;
      int rc = 0;
      uint8_t state = MPST_HOOK_STATE_HOOKED;
      if (HOOKS[i].groups & skip) state = MPST_HOOK_STATE_SKIPPED;
      else if ((rc = mpstm_hook_install(cls, sel_registerName(HOOKS[i].sel), HOOKS[i].imp)) == 1) installed++;
      else if (rc < 0) state = MPST_HOOK_STATE_MISSING;
      if (state != MPST_HOOK_STATE_HOOKED && g_not_hooked_n < NOT_HOOKED_SLOTS) {
        g_not_hooked[g_not_hooked_n].cls = cls;
        g_not_hooked[g_not_hooked_n].kind = (uint8_t)kind;
        g_not_hooked[g_not_hooked_n].state = state;
        g_not_hooked[g_not_hooked_n].sel = HOOKS[i].sel;
        g_not_hooked_n++;
      }
      /* MPSTRACE_METAL_VERBOSE=1: the table as it is built, in the trace too
       * (the class tree on real Metal is not known in advance). */
      if (v && (state != MPST_HOOK_STATE_HOOKED || rc == 1)) report_row(cls, HOOKS[i].sel, KIND_NAMES[kind], 0, state, 0);
    }
    mpstm_add(&s_classes, 1);
    if (v) fprintf(stderr, "mpstrace-metal: hooked %s as %s (%d selectors)\n", class_getName(cls), KIND_NAMES[kind], installed);
  }
  pthread_mutex_unlock(&g_seen_lock);
  return installed;
}

int mpstm_discover(id obj, int kind) { return obj ? hook_class(object_getClass(obj), kind) : 0; }

int mpstm_try_hook_mps_class(void) {
  Class cls = objc_getClass("MPSCommandBuffer");
  if (!cls) return 0;
  return hook_class(cls, MPSTM_HK_MPS_CB) + hook_class(object_getClass((id)cls), MPSTM_HK_MPS_CB_CLASS);
}

/* ---- the self-report ------------------------------------------------------ */

typedef struct report_ctx {
  int at_exit, v;
} report_ctx;

static void report_hooked(Class cls, const char *sel, uint64_t hits, void *arg) {
  report_ctx *c = arg;
  const char *role = role_of(cls);
  report_row(cls, sel, role, hits, MPST_HOOK_STATE_HOOKED, c->at_exit);
  if (c->v) fprintf(stderr, "mpstrace-metal:   %-40s %-44s %10llu  %s\n", class_getName(cls), sel, (unsigned long long)hits, role);
}

static void report_fallback(Class cls, const char *sel, uint64_t count, int none, void *arg) {
  report_ctx *c = arg;
  uint8_t state = none ? MPST_HOOK_STATE_NO_ORIGINAL : MPST_HOOK_STATE_FALLBACK;
  report_row(cls, sel, role_of(cls), count, state, c->at_exit);
  fprintf(stderr, "mpstrace-metal: -[%s %s] ran %llu time(s) without a recorded original; %s\n", class_getName(cls), sel,
          (unsigned long long)count, none ? "nothing could be called" : "the superclass's implementation was called");
}

void mpstm_write_report(int at_exit) {
  report_ctx c = { at_exit, verbose() };
  if (c.v) fprintf(stderr, "mpstrace-metal: hook table (%s): class, selector, calls, role\n", at_exit ? "at exit" : "now");
  mpstm_engine_each(report_hooked, &c);
  pthread_mutex_lock(&g_seen_lock);
  int n = g_not_hooked_n;
  pthread_mutex_unlock(&g_seen_lock);
  for (int i = 0; i < n; i++)
    report_row(g_not_hooked[i].cls, g_not_hooked[i].sel, KIND_NAMES[g_not_hooked[i].kind], 0, g_not_hooked[i].state, at_exit);
  mpstm_engine_fallbacks(report_fallback, &c);
}

static void report_at_exit(void) { mpstm_write_report(1); }

static pthread_once_t boot_once = PTHREAD_ONCE_INIT;
static void boot(void) {
  mpst_add_shutdown_hook(report_at_exit);
  unsigned skip = mpstm_skipped_groups();
  if (skip && verbose()) fprintf(stderr, "mpstrace-metal: MPSTRACE_METAL_SKIP turned off hook groups 0x%x\n", skip);
}

void mpstm_bootstrap_device(id device) {
  if (!device) return;
  /* An annotation may have opened the trace before this first device, with
   * no backend named yet: name it now (the header and process_start are
   * patched in place). */
  mpst_set_backend(MPST_BACKEND_METAL);
  mpst_ensure_init(MPST_BACKEND_METAL);
  pthread_once(&boot_once, boot);
  pthread_once(&sels_once, init_sels);
  if (mpstm_skipped_groups() == MPSTM_G_ALL) return;
  mpstm_discover(device, MPSTM_HK_DEVICE);
  mpstm_try_hook_mps_class();
}

int32_t mpstm_on_dispatch_queue_created(const char *label, uint64_t dq) {
  if (!label || strcmp(label, "metal gpu stream") != 0) return -1;
  return mpstm_reg_pair_dispatch_queue(dq);
}

/* ---- the Python layer's entry points -------------------------------------- */

void mpstrace_metal_observe_begin(void) {
  t_obs.active = 1;
  t_obs.many = 0;
  t_obs.queue = 0;
}

uint64_t mpstrace_metal_observe_end(int32_t ordinal) {
  uint64_t q = t_obs.active && !t_obs.many ? t_obs.queue : 0;
  t_obs.active = 0;
  if (q && ordinal >= 0 && !mpstm_reg_bind_ordinal(q, ordinal)) q = 0;
  return q;
}

uint64_t mpstrace_metal_stream_handle(int32_t ordinal) { return mpstm_reg_queue_of_ordinal(ordinal); }

mpstm_hook_stats mpstm_hooks_get_stats(void) {
  mpstm_hook_stats s = { mpstm_load(&s_classes), mpstm_load(&s_handlers_added), mpstm_load(&s_handlers_skipped), mpstm_load(&s_completions),
                         mpstm_load(&s_ready_waits) };
  return s;
}
