/*
 * Linux tests of the Metal recorder's hook logic against stand-in classes.
 *
 * Built twice by the Makefile:
 *  - with capture_runtime.c (-DMPSTM_CAPTURE): every record is checked here,
 *    field by field;
 *  - with the real portable runtime: the same scenarios write a trace file
 *    (MPSTRACE_OUT) that test/metal-*.test.ts checks with the TS reader.
 * Call counters in the stand-ins prove every hook forwarded exactly once.
 */
#include "../mpstm_engine.h"
#include "../mpstm_hooks.h"
#include "../mpstm_registry.h"
#include "../../runtime/mpst_runtime.h"
#include "standins.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef MPSTM_CAPTURE
#include "capture_runtime.h"
#endif

static int failures, checks;
#define CHECK(cond, ...)                                                                                                                   \
  do {                                                                                                                                     \
    checks++;                                                                                                                              \
    if (!(cond)) {                                                                                                                         \
      failures++;                                                                                                                          \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                                                                      \
      fprintf(stderr, __VA_ARGS__);                                                                                                        \
      fputc('\n', stderr);                                                                                                                 \
    }                                                                                                                                      \
  } while (0)
#define EQ(a, b) CHECK((long long)(a) == (long long)(b), "%lld != %lld", (long long)(a), (long long)(b))
#define P(x) ((uint64_t)(uintptr_t)(x))

static int snap(int *c) { return mpstm_load(c); }

/* ---- record helpers (capture build) -------------------------------------- */
#ifdef MPSTM_CAPTURE
static int mark;
static void begin_section(void) { mark = cap_count(); }
static int count_kind(unsigned kind) {
  int n = 0;
  for (int i = mark; i < cap_count(); i++) n += cap_get(i)->kind == kind;
  return n;
}
/* nth (0-based) record of `kind` since the section began, or NULL. */
static const cap_rec *nth_kind(unsigned kind, int nth) {
  for (int i = mark; i < cap_count(); i++)
    if (cap_get(i)->kind == kind && nth-- == 0) return cap_get(i);
  return 0;
}
static int index_of(const cap_rec *r) { return r ? (int)(r - cap_get(0)) : -1; }
static const cap_rec *complete_for(uint32_t corr) {
  for (int i = 0; i < cap_count(); i++)
    if (cap_get(i)->kind == MPST_K_COMPLETE && (uint32_t)cap_get(i)->w[0] == corr) return cap_get(i);
  return 0;
}
#define LO32(w) ((uint32_t)(w))
#define HI32(w) ((uint32_t)((w) >> 32))
#define B8(w, byte) ((uint8_t)((w) >> (8 * (byte))))
#else
static void begin_section(void) {}
#endif

/* ---- 1. the engine on its own --------------------------------------------- */

@interface EngBase : MTObject
- (int)ping;
@end
@interface EngMid : EngBase
@end
@interface EngLeaf : EngMid
@end
@interface EngSib : EngBase
@end
static int base_pings, mid_pings, leaf_pings, hook_outer, hook_nested;
@implementation EngBase
- (int)ping {
  mpstm_add(&base_pings, 1);
  return 1;
}
@end
@implementation EngMid
- (int)ping {
  mpstm_add(&mid_pings, 1);
  return 10 + [super ping];
}
@end
@implementation EngLeaf
- (int)ping {
  mpstm_add(&leaf_pings, 1);
  return 100 + [super ping];
}
@end
@implementation EngSib
@end
/* Never messaged before being hooked: GCC's runtime has no dispatch tables
 * for them yet (the quirk in metal.md §9). */
@interface FreshBase : MTObject
- (int)ping;
@end
@interface FreshSub : FreshBase
@end
static int fresh_base, fresh_sub;
@implementation FreshBase
- (int)ping {
  fresh_base++;
  return 1;
}
@end
@implementation FreshSub
- (int)ping {
  fresh_sub++;
  return 2 + [super ping];
}
@end

static int h_ping(id self, SEL cmd) {
  mpstm_call c;
  if (!mpstm_call_begin(&c, self, cmd)) return -1;
  mpstm_add(c.nested ? &hook_nested : &hook_outer, 1);
  int r = ((int (*)(id, SEL))c.orig)(self, cmd);
  mpstm_call_end(&c);
  return r;
}

static void test_engine(void) {
  SEL ping = sel_registerName("ping");
  id leaf = [EngLeaf new], mid = [EngMid new], sib = [EngSib new], base = [EngBase new];
  /* Subclass first: its override calls super, which must still reach the
   * unhooked ancestors exactly once. */
  EQ(mpstm_hook_install([EngLeaf class], ping, (IMP)h_ping), 1);
  EQ(mpstm_hook_install([EngLeaf class], ping, (IMP)h_ping), 0); /* idempotent */
  EQ([leaf ping], 111);
  EQ(hook_outer, 1);
  EQ(hook_nested, 0);
  EQ(leaf_pings, 1);
  EQ(mid_pings, 1);
  EQ(base_pings, 1);
  /* Then the ancestors: the super chain re-enters the hook twice, nested. */
  EQ(mpstm_hook_install([EngBase class], ping, (IMP)h_ping), 1);
  EQ(mpstm_hook_install([EngMid class], ping, (IMP)h_ping), 1);
  EQ([leaf ping], 111);
  EQ(hook_outer, 2);
  EQ(hook_nested, 2);
  EQ(leaf_pings, 2);
  EQ(mid_pings, 2);
  EQ(base_pings, 2);
  EQ([mid ping], 11);
  EQ([base ping], 1);
  EQ(hook_outer, 4);
  EQ(mid_pings, 3);
  EQ(base_pings, 4);
  /* A sibling that inherits from a hooked base: nothing to add, still hooked once. */
  EQ(mpstm_hook_install([EngSib class], ping, (IMP)h_ping), 0);
  EQ([sib ping], 1);
  EQ(hook_outer, 5);
  EQ(base_pings, 5);
  /* Unknown selector and the recorded originals. */
  EQ(mpstm_hook_install([EngBase class], sel_registerName("noSuchSelector"), (IMP)h_ping), -1);
  CHECK(mpstm_hook_original([EngLeaf class], ping) != 0 && mpstm_hook_original([EngLeaf class], ping) != (IMP)h_ping,
        "leaf original must be the leaf's own IMP");
  CHECK(mpstm_hook_original([EngSib class], ping) == 0, "sibling has no entry of its own");
  /* Classes without dispatch tables: subclass hooked, then base, then the
   * first message ever (the guide saw super resolve to the hook here; the
   * engine primes the tables and also resolves super calls by frame). */
  EQ(mpstm_hook_install(objc_getClass("FreshSub"), ping, (IMP)h_ping), 1);
  EQ(mpstm_hook_install(objc_getClass("FreshBase"), ping, (IMP)h_ping), 1);
  int outer0 = hook_outer, nested0 = hook_nested;
  id fresh = [objc_getClass("FreshSub") new];
  EQ([fresh ping], 3);
  EQ(fresh_sub, 1);
  EQ(fresh_base, 1);
  EQ(hook_outer, outer0 + 1);
  EQ(hook_nested, nested0 + 1);
  EQ(mpstm_engine_get_stats().unresolved, 0);
}

/* ---- a PyTorch MPSStream, replayed (metal.md §2.2) ------------------------ */

typedef struct stream {
  id queue;
  id cb; /* MPSCommandBuffer*, lazily created */
  id prev; /* _prevCommandBuffer (commit-and-continue off) */
  int cac; /* commit-and-continue enabled */
  int32_t serial; /* the recorder's local number for it (not a PyTorch id) */
} stream;

static FakeDevice *g_dev;
static uint64_t g_fake_dq = 0x1000;

static void stream_init(stream *s, int cac) {
  memset(s, 0, sizeof *s);
  s->queue = [g_dev newCommandQueue];
  s->serial = mpstm_on_dispatch_queue_created("metal gpu stream", g_fake_dq++);
  s->cac = cac;
}
static id stream_cb(stream *s) {
  if (!s->cb) s->cb = [[MPSCommandBuffer commandBufferFromCommandQueue:s->queue] retain];
  return s->cb;
}
static void stream_flush(stream *s) {
  if (!s->cb) return;
  [s->cb commit];
  if (s->prev) [s->prev release];
  s->prev = s->cb; /* kept as _prevCommandBuffer (C&C off) */
  s->cb = nil;
}
static void stream_commit(stream *s) {
  if (s->cac) [stream_cb(s) commitAndContinue];
  else stream_flush(s);
}
static void stream_commit_and_wait(stream *s) {
  if (s->prev) {
    [s->prev waitUntilCompleted];
    [s->prev release];
    s->prev = nil;
  }
  if (s->cb) {
    [s->cb commit];
    [s->cb waitUntilCompleted];
    [s->cb release];
    [s->cb release]; /* the +1 from commandBufferFromCommandQueue: and our retain */
    s->cb = nil;
  }
}

/* MPSEvent (metal.md §2.3). */
typedef struct mps_event {
  id ev;
  uint64_t counter;
  int fired;
  double fired_at;
} mps_event;
static void on_notify(id ev, uint64_t v, void *ctx) {
  (void)ev, (void)v;
  mps_event *e = ctx;
  e->fired_at = fake_host_seconds();
  mpstm_store(&e->fired, 1);
}
static void event_record(mps_event *e, stream *s, int sync) {
  ++e->counter;
  [stream_cb(s) encodeSignalEvent:e->ev value:e->counter];
  if (sync) stream_commit(s);
}
static int event_wait(mps_event *e, stream *s) {
  if ([e->ev signaledValue] >= e->counter) return 0; /* PyTorch skips Metal entirely */
  [stream_cb(s) encodeWaitForEvent:e->ev value:e->counter];
  return 1;
}
static void event_synchronize(mps_event *e) {
  mpstm_store(&e->fired, 0);
  id h = [FakeHandler withFn:on_notify ctx:e];
  [e->ev notifyListener:nil atValue:e->counter block:h];
  for (int i = 0; i < 5000 && !mpstm_load(&e->fired); i++) usleep(200);
}

/* ---- 2. device → queue → command buffer → shared event -------------------- */

static void test_chain(void) {
  g_dev = [FakeDevice new];
  begin_section();
  mpstm_bootstrap_device(g_dev);
  mpstm_bootstrap_device(g_dev); /* idempotent */
  int q0 = snap(&fc.dev_new_queue);
  stream s0;
  stream_init(&s0, 1);
  EQ(s0.serial, 0);
  EQ(snap(&fc.dev_new_queue), q0 + 1);
  /* A hook inside a hook: this factory calls -newCommandQueue itself. */
  id q2 = [g_dev newCommandQueueWithMaxCommandBufferCount:4];
  EQ(snap(&fc.dev_new_queue), q0 + 2);
  EQ(mpstm_on_dispatch_queue_created("metal gpu stream", 0x99), 1);
  EQ(mpstm_on_dispatch_queue_created("com.apple.other", 0x98), -1);
  /* Creation order says nothing about PyTorch's stream ids: none is claimed. */
  EQ(mpstrace_metal_stream_handle(0), 0);
  EQ(mpstrace_metal_stream_handle(1), 0);
  /* Told what a call was about (the Python layer around stream 0's work),
   * the recorder binds the one queue it saw. */
  mpstrace_metal_observe_begin();
  id cb = [s0.queue commandBuffer];
  EQ(mpstrace_metal_observe_end(0), P(s0.queue));
  EQ(mpstrace_metal_stream_handle(0), P(s0.queue));
  EQ(mpstrace_metal_stream_handle(1), 0);
  id ev = [g_dev newSharedEvent];
  [cb encodeSignalEvent:ev value:1];
  [cb encodeWaitForEvent:ev value:1];
  [cb enqueue];
  [cb commit];
  [cb waitUntilScheduled];
  [cb waitUntilCompleted];
  EQ([ev signaledValue], 1);
  mps_event me = { .ev = ev, .counter = 1 };
  event_synchronize(&me);
  EQ(mpstm_load(&me.fired), 1);
  [ev setSignaledValue:0];
  [cb release];
  [ev release];
  EQ(fc.cb_signal, 1);
  EQ(fc.cb_wait_event, 1);
  EQ(fc.cb_enqueue, 1);
  EQ(fc.cb_commit, 1);
  EQ(fc.cb_wait_sched, 1);
  EQ(fc.cb_wait_done, 1);
  EQ(fc.ev_notify, 1);
  EQ(fc.dealloc_cb, 1);
  EQ(fc.dealloc_event, 1);
  EQ(mpstm_hooks_get_stats().handlers_added, 1);
  EQ(fc.cb_add_handler, 1); /* ours, through the hooked selector, forwarded once */
  EQ(fc.handlers_run, 1);
  EQ(mpstm_hooks_get_stats().completions, 1);
#ifdef MPSTM_CAPTURE
  const cap_rec *ps = nth_kind(MPST_K_PROCESS_START, 0);
  CHECK(ps != 0, "process_start written at bootstrap");
  if (ps) EQ(B8(ps->w[1], 0), MPST_BACKEND_METAL);
  /* A stream is announced at its first use: s0 got a command buffer, q2 none. */
  EQ(count_kind(MPST_K_STREAM_CREATE), 1);
  const cap_rec *sc = nth_kind(MPST_K_STREAM_CREATE, 0);
  EQ(sc->w[0], P(s0.queue));
  const cap_rec *oc = nth_kind(MPST_K_OBJECT_CREATE, 0);
  EQ(oc->w[0], P(s0.queue));
  EQ(oc->w[1], P(g_dev));
  EQ(B8(oc->w[3], 0), MPST_OBJECT_TYPE_COMMAND_QUEUE);
  const cap_rec *cc = nth_kind(MPST_K_CB_CREATE, 0);
  EQ(cc->w[0], P(cb));
  EQ(cc->w[1], P(s0.queue));
  uint32_t corr = LO32(cc->w[2]);
  CHECK(corr != 0, "cb_create carries a corr");
  const cap_rec *ec = nth_kind(MPST_K_EVENT_CREATE, 0);
  EQ(ec->w[0], P(ev));
  EQ(B8(ec->w[1], 4), 0);
  const cap_rec *er = nth_kind(MPST_K_EVENT_RECORD, 0);
  EQ(er->w[0], P(ev));
  EQ(er->w[1], P(s0.queue));
  const cap_rec *ew = nth_kind(MPST_K_EVENT_WAIT, 0);
  EQ(ew->w[0], P(ev));
  EQ(ew->w[1], P(s0.queue));
  /* Values: signal 1 and wait 1 right after their records; the listener's
   * registration and its fire; the CPU-side reset to 0. */
  EQ(count_kind(MPST_K_EVENT_VALUE), 5);
  const cap_rec *vs = nth_kind(MPST_K_EVENT_VALUE, 0), *vw = nth_kind(MPST_K_EVENT_VALUE, 1);
  EQ(index_of(vs), index_of(er) + 1);
  EQ(vs->w[0], P(ev));
  EQ(vs->w[1], 1);
  EQ(vs->w[2], P(s0.queue));
  EQ(B8(vs->w[3], 0), MPST_EVENT_VALUE_OP_SIGNAL);
  EQ(index_of(vw), index_of(ew) + 1);
  EQ(vw->w[1], 1);
  EQ(vw->w[2], P(s0.queue));
  EQ(B8(vw->w[3], 0), MPST_EVENT_VALUE_OP_WAIT);
  const cap_rec *vn = nth_kind(MPST_K_EVENT_VALUE, 2), *vf = nth_kind(MPST_K_EVENT_VALUE, 3), *vz = nth_kind(MPST_K_EVENT_VALUE, 4);
  EQ(B8(vn->w[3], 0), MPST_EVENT_VALUE_OP_NOTIFY);
  EQ(vn->w[0], P(ev));
  EQ(vn->w[1], 1);
  EQ(vn->w[2], 0);
  EQ(B8(vf->w[3], 0), MPST_EVENT_VALUE_OP_NOTIFY_FIRE);
  EQ(vf->w[0], P(ev));
  EQ(vf->w[1], 1);
  CHECK(vf->ts >= vn->ts && vf->ts <= (int64_t)(me.fired_at * 1e9), "fire time between registration and the program's block");
  EQ(B8(vz->w[3], 0), MPST_EVENT_VALUE_OP_SET);
  EQ(vz->w[1], 0);
  EQ(count_kind(MPST_K_CB_COMMIT), 1);
  const cap_rec *cm = nth_kind(MPST_K_CB_COMMIT, 0);
  EQ(cm->w[0], P(cb));
  EQ(cm->w[1], P(s0.queue));
  EQ(LO32(cm->w[2]), corr);
  EQ(B8(cm->w[2], 4), 0);
  const cap_rec *done = complete_for(corr);
  CHECK(done != 0, "complete joined by corr %u", corr);
  if (done) {
    EQ((int32_t)HI32(done->w[0]), 0);
    CHECK((int64_t)done->w[1] >= 250000 && (int64_t)done->w[1] < 1000000000, "GPU duration %lld ns", (long long)done->w[1]);
    CHECK(done->ts > cm->ts, "GPU start after the commit");
    CHECK(done->tid != cm->tid, "completion ran on the GPU thread");
  }
  EQ(count_kind(MPST_K_SYNC_BEGIN), 2);
  EQ(count_kind(MPST_K_SYNC_END), 2);
  const cap_rec *sb = nth_kind(MPST_K_SYNC_BEGIN, 1), *se = nth_kind(MPST_K_SYNC_END, 1);
  EQ(sb->w[0], P(s0.queue));
  EQ(B8(sb->w[1], 0), MPST_SYNC_SCOPE_STREAM);
  CHECK(strcmp(cap_string(HI32(sb->w[1])), "waitUntilCompleted") == 0, "api %s", cap_string(HI32(sb->w[1])));
  CHECK(strcmp(cap_string(HI32(nth_kind(MPST_K_SYNC_BEGIN, 0)->w[1])), "waitUntilScheduled") == 0, "scheduled first");
  EQ(se->w[0], P(s0.queue));
  EQ(LO32(se->w[2]), 0);
  CHECK(index_of(sb) < index_of(se) && se->ts >= sb->ts, "sync_end after sync_begin");
  EQ(count_kind(MPST_K_MARKER), 1); /* the explicit enqueue (commit's own enqueue is not one) */
  const cap_rec *dl = nth_kind(MPST_K_CB_DEALLOC, 0);
  EQ(dl->w[0], P(cb));
  EQ(LO32(dl->w[1]), corr);
  EQ(nth_kind(MPST_K_EVENT_DESTROY, 0)->w[0], P(ev));
  /* s0's first use came before anything said it is the default stream: its
   * inferred slot is a recorder-local number, never a PyTorch id. */
  EQ(count_kind(MPST_K_SLOT_ACQUIRE), 1);
  EQ(LO32(nth_kind(MPST_K_SLOT_ACQUIRE, 0)->w[1]), MPSTM_LOCAL_SLOT_BASE + 0);
#endif
  [q2 release];
#ifdef MPSTM_CAPTURE
  EQ(count_kind(MPST_K_STREAM_DESTROY), 0); /* q2 was never used: no stream to end */
#endif
}

/* ---- 3. a driver subclass calling super; classes discovered late --------- */

static void test_subclass_and_late(void) {
  /* FakeCB (the base) is already hooked by test_chain; AGX overrides commit
   * and calls super, which re-enters the base's hook as a nested call. */
  g_dev->cbClass = [FakeAGXCB class];
  stream s;
  stream_init(&s, 1);
  begin_section();
  int base0 = fc.cb_commit, agx0 = fc.agx_commit;
  id cb = [s.queue commandBuffer];
  [cb commit];
  [cb waitUntilCompleted];
  EQ(fc.agx_commit, agx0 + 1);
  EQ(fc.cb_commit, base0 + 1);
  /* Installing the same hooks again changes nothing. */
  EQ(mpstm_discover(cb, MPSTM_HK_ROOT_CB), 0);
  SEL commit = sel_registerName("commit");
  EQ(mpstm_hook_install([FakeAGXCB class], commit, class_getMethodImplementation([FakeAGXCB class], commit)), 0);
  [cb release];
  /* A class that did not exist when the hooks went in. */
  Class late = fake_make_late_class("LateCB");
  g_dev->cbClass = late;
  stream s2;
  stream_init(&s2, 1);
  ((FakeQueue *)s2.queue)->cbClass = late;
  id lcb = [s2.queue commandBuffer];
  CHECK(object_getClass(lcb) == late, "late instance");
  [lcb commit];
  [lcb waitUntilCompleted];
  EQ(fc.late_commit, 1);
  EQ(fc.cb_commit, base0 + 2);
  [lcb release];
  g_dev->cbClass = [FakeCB class];
#ifdef MPSTM_CAPTURE
  EQ(count_kind(MPST_K_CB_COMMIT), 2); /* one per command buffer, not per level */
  EQ(count_kind(MPST_K_CB_CREATE), 2);
  EQ(nth_kind(MPST_K_CB_COMMIT, 0)->w[0], P(cb));
  EQ(nth_kind(MPST_K_CB_COMMIT, 1)->w[0], P(lcb));
  EQ(nth_kind(MPST_K_CB_COMMIT, 1)->w[1], P(s2.queue));
  EQ(count_kind(MPST_K_SYNC_BEGIN), 2);
#endif
  EQ(mpstm_engine_get_stats().unresolved, 0);
}

/* ---- 4. PyTorch's stream sequences through MPSCommandBuffer ---------------- */

static void test_mps_stream_sequences(void) {
  g_dev->cbClass = [FakeCB class];
  stream s;
  stream_init(&s, 1); /* commit-and-continue on, as shipped */
  begin_section();
  int cac0 = fc.mps_cac, mc0 = fc.mps_commit, commit0 = fc.cb_commit, sig0 = fc.cb_signal, msig0 = fc.mps_signal;
  /* commit() with C&C: the wrapper commits its root and swaps in a new one. */
  id w = stream_cb(&s);
  id root1 = [w rootCommandBuffer];
  stream_commit(&s);
  id root2 = [w rootCommandBuffer];
  CHECK(root1 != root2, "commitAndContinue swapped the root");
  EQ(fc.mps_cac, cac0 + 1);
  EQ(fc.cb_commit, commit0 + 1);
  /* MPSEvent record (recordLocked) then wait, on the same stream. */
  mps_event e = { .ev = [g_dev newSharedEvent] };
  event_record(&e, &s, 0);
  EQ(fc.mps_signal, msig0 + 1);
  EQ(fc.cb_signal, sig0 + 1); /* forwarded to the root once */
  int waited = event_wait(&e, &s);
  EQ(waited, 1);
  /* commitAndWait(): commit the wrapper, wait, release. */
  stream_commit_and_wait(&s);
  EQ(fc.mps_commit, mc0 + 1);
  EQ(fc.cb_commit, commit0 + 2);
  EQ([e.ev signaledValue], 1);
  /* A wait on a signalled event makes no Metal call at all. */
  EQ(event_wait(&e, &s), 0);
  /* Event synchronize: notifyListener + CPU wait. */
  event_synchronize(&e);
  EQ(mpstm_load(&e.fired), 1);
  /* elapsed_time: two timed records, a device-wide commit-and-wait, two notifies. */
  mps_event a = { .ev = [g_dev newSharedEvent] }, b = { .ev = [g_dev newSharedEvent] };
  event_record(&a, &s, 0);
  event_record(&b, &s, 0);
  stream_commit_and_wait(&s);
  event_synchronize(&a);
  event_synchronize(&b);
  CHECK(b.fired_at >= a.fired_at, "elapsed >= 0");
  /* flush() with C&C off keeps _prevCommandBuffer until the next commitAndWait. */
  stream s3;
  stream_init(&s3, 0);
  stream_cb(&s3);
  stream_commit(&s3);
  CHECK(s3.prev != nil && s3.cb == nil, "flush keeps prev");
  stream_commit_and_wait(&s3);
#ifdef MPSTM_CAPTURE
  /* Every root commit is recorded once, with its and_continue flag, and
   * joins a complete record. */
  int commits = count_kind(MPST_K_CB_COMMIT);
  EQ(commits, 4);
  const cap_rec *c0 = nth_kind(MPST_K_CB_COMMIT, 0);
  EQ(c0->w[0], P(root1));
  EQ(B8(c0->w[2], 4), 1);
  EQ(nth_kind(MPST_K_CB_COMMIT, 1)->w[0], P(root2));
  EQ(B8(nth_kind(MPST_K_CB_COMMIT, 1)->w[2], 4), 0);
  for (int i = 0; i < commits; i++) {
    const cap_rec *c = nth_kind(MPST_K_CB_COMMIT, i);
    const cap_rec *d = complete_for(LO32(c->w[2]));
    CHECK(d != 0, "commit %d has a complete", i);
    if (d) CHECK(d->ts >= c->ts && (int32_t)HI32(d->w[0]) == 0, "complete after commit, ok");
    int created = 0;
    for (int k = 0; k < cap_count(); k++) {
      const cap_rec *r = cap_get(k);
      if (r->kind == MPST_K_CB_CREATE && r->w[0] == c->w[0] && LO32(r->w[2]) == LO32(c->w[2])) created = k < index_of(c);
    }
    CHECK(created, "commit %d preceded by its cb_create", i);
  }
  /* The new root after commitAndContinue was created on the same stream. */
  int root2_created = 0;
  for (int k = mark; k < cap_count(); k++)
    if (cap_get(k)->kind == MPST_K_CB_CREATE && cap_get(k)->w[0] == P(root2)) root2_created = cap_get(k)->w[1] == P(s.queue);
  CHECK(root2_created, "new root's cb_create on the stream");
  /* Wrappers are objects owned by the stream. */
  const cap_rec *oc = 0;
  for (int i = 0; (oc = nth_kind(MPST_K_OBJECT_CREATE, i)); i++)
    if (oc->w[0] == P(w)) break;
  CHECK(oc && oc->w[1] == P(s.queue) && B8(oc->w[3], 0) == MPST_OBJECT_TYPE_COMMAND_BUFFER, "wrapper object_create");
  /* One event_record per encodeSignalEvent (wrapper → root counted once). */
  EQ(count_kind(MPST_K_EVENT_RECORD), 3);
  EQ(count_kind(MPST_K_EVENT_WAIT), 1);
  EQ(nth_kind(MPST_K_EVENT_WAIT, 0)->w[1], P(s.queue));
  /* waitUntilCompleted through the wrapper: one sync pair per call. */
  EQ(count_kind(MPST_K_SYNC_BEGIN), count_kind(MPST_K_SYNC_END));
  EQ(count_kind(MPST_K_SYNC_BEGIN), 3);
  EQ(count_kind(MPST_K_EVENT_CREATE), 3);
#endif
  if (s.prev) [s.prev release];
  if (s3.prev) [s3.prev release];
  EQ(mpstm_engine_get_stats().unresolved, 0);
}

/* ---- 5. stream pools: slot ownership inferred from queue use ------------- */

typedef struct worker {
  stream *s;
  pthread_t th;
  uint64_t tid;
} worker;

static void *worker_main(void *arg) {
  worker *w = arg;
#ifdef MPSTM_CAPTURE
  w->tid = cap_tid();
#endif
  for (int i = 0; i < 2; i++) {
    [stream_cb(w->s) encodeSignalEvent:nil value:0];
    stream_commit(w->s);
  }
  /* The fork's slot release at thread exit: commit + wait before recycling. */
  stream_commit_and_wait(w->s);
  return 0;
}

static void test_stream_pool(void) {
  begin_section();
  /* Upstream getStreamFromPool: a burst of stream creations on the first call. */
  enum { POOL = 4 };
  stream pool[POOL];
  int32_t first = -1;
  for (int i = 0; i < POOL; i++) {
    stream_init(&pool[i], 0);
    if (i == 0) first = pool[i].serial;
    EQ(pool[i].serial, first + i);
  }
  worker w[3];
  for (int i = 0; i < 3; i++) {
    w[i].s = &pool[i];
    pthread_create(&w[i].th, 0, worker_main, &w[i]);
  }
  for (int i = 0; i < 3; i++) pthread_join(w[i].th, 0);
#ifdef MPSTM_CAPTURE
  EQ(count_kind(MPST_K_STREAM_CREATE), 3); /* the fourth pool stream was never used */
  EQ(count_kind(MPST_K_SLOT_ACQUIRE), 3);
  for (int i = 0; i < 3; i++) {
    const cap_rec *sa = 0;
    for (int k = 0; (sa = nth_kind(MPST_K_SLOT_ACQUIRE, k)); k++)
      if (sa->tid == w[i].tid) break;
    CHECK(sa != 0, "worker %d acquired a slot", i);
    if (!sa) continue;
    EQ(sa->w[0], P(pool[i].queue));
    EQ(LO32(sa->w[1]), MPSTM_LOCAL_SLOT_BASE + (uint32_t)pool[i].serial);
    EQ((int32_t)HI32(sa->w[1]), -1);
    EQ(B8(sa->w[3], 0), MPST_SLOT_SOURCE_INFERRED);
    /* Every commit of this worker is on its own stream. */
    for (int k = mark; k < cap_count(); k++)
      if (cap_get(k)->kind == MPST_K_CB_COMMIT && cap_get(k)->tid == w[i].tid) EQ(cap_get(k)->w[1], P(pool[i].queue));
  }
#endif
}

/* ---- 6. a GPU error reaches the complete record ---------------------------- */

static void test_error(void) {
  stream s;
  stream_init(&s, 0);
  begin_section();
  FakeCB *cb = [s.queue commandBuffer];
  cb->failWithCode = 42;
  [cb commit];
  [cb waitUntilCompleted];
#ifdef MPSTM_CAPTURE
  const cap_rec *c = nth_kind(MPST_K_CB_COMMIT, 0);
  const cap_rec *d = c ? complete_for(LO32(c->w[2])) : 0;
  CHECK(d && (int32_t)HI32(d->w[0]) == 42, "complete.error is the NSError code");
  const cap_rec *se = nth_kind(MPST_K_SYNC_END, 0);
  CHECK(se && (int32_t)LO32(se->w[2]) == -1, "sync_end.result flags the failed buffer");
#endif
  [cb release];
}

/* ---- 7. threads racing through the hooks ---------------------------------- */

enum { RACE_THREADS = 6, RACE_COMMITS = 30 };
static void *race_main(void *arg) {
  stream *s = arg;
  for (int i = 0; i < RACE_COMMITS; i++) {
    [stream_cb(s) encodeSignalEvent:nil value:(uint64_t)i];
    stream_commit(s); /* commit-and-continue */
  }
  [s->cb waitUntilCompleted];
  return 0;
}

static void test_race(void) {
  stream s[RACE_THREADS];
  for (int i = 0; i < RACE_THREADS; i++) stream_init(&s[i], 1);
  begin_section();
  int commits0 = fc.cb_commit, cac0 = fc.mps_cac;
  pthread_t th[RACE_THREADS];
  for (int i = 0; i < RACE_THREADS; i++) pthread_create(&th[i], 0, race_main, &s[i]);
  for (int i = 0; i < RACE_THREADS; i++) pthread_join(th[i], 0);
  EQ(fc.mps_cac, cac0 + RACE_THREADS * RACE_COMMITS);
  EQ(fc.cb_commit, commits0 + RACE_THREADS * RACE_COMMITS);
  for (int i = 0; i < RACE_THREADS; i++) [s[i].cb release], [s[i].cb release]; /* joins the last GPU work */
#ifdef MPSTM_CAPTURE
  EQ(count_kind(MPST_K_CB_COMMIT), RACE_THREADS * RACE_COMMITS);
  EQ(count_kind(MPST_K_EVENT_RECORD), RACE_THREADS * RACE_COMMITS);
  int joined = 0;
  for (int k = 0; k < RACE_THREADS * RACE_COMMITS; k++) joined += complete_for(LO32(nth_kind(MPST_K_CB_COMMIT, k)->w[2])) != 0;
  EQ(joined, RACE_THREADS * RACE_COMMITS);
#endif
  EQ(mpstm_engine_get_stats().unresolved, 0);
  EQ(mpstm_engine_get_stats().frame_overflow, 0);
}

/* ---- 8. stream identity: the guard's temporary stream, pool before default -- */

static void test_identity(void) {
  begin_section();
  /* MPSGuardImpl::record/block construct an MPSStream on the stack: a queue
   * and its "metal gpu stream" dispatch queue, released at once. */
  stream tmp;
  stream_init(&tmp, 1);
  CHECK(tmp.serial >= 0, "the temporary is a paired stream queue");
  [tmp.queue release];
  /* A pool built before the lazily created default stream (upstream's
   * getStreamFromPool may run first), then the default stream. */
  enum { POOL = 3 };
  stream pool[POOL], dflt;
  for (int i = 0; i < POOL; i++) stream_init(&pool[i], 0);
  stream_init(&dflt, 1);
  /* A queue the program made itself (no dispatch queue): never a slot. */
  id own = [g_dev newCommandQueue];
  /* Work: the default stream and pool stream 1 on this thread, the program's queue. */
  for (int k = 0; k < 2; k++) {
    [stream_cb(&dflt) encodeSignalEvent:nil value:0];
    stream_commit_and_wait(&dflt);
  }
  [stream_cb(&pool[1]) encodeSignalEvent:nil value:0];
  stream_commit_and_wait(&pool[1]);
  id ocb = [own commandBuffer];
  [ocb commit];
  [ocb waitUntilCompleted];
  [ocb release];
  /* Nothing here tells PyTorch's ids apart: no handle is claimed for any
   * (id 0 was bound by the observation in test_chain). */
  for (int k = 1; k <= POOL + 1; k++) EQ(mpstrace_metal_stream_handle(k), 0);
  /* An observation across two streams binds nothing. */
  mpstrace_metal_observe_begin();
  [stream_cb(&dflt) encodeSignalEvent:nil value:0];
  [stream_cb(&pool[2]) encodeSignalEvent:nil value:0];
  EQ(mpstrace_metal_observe_end(7), 0);
  EQ(mpstrace_metal_stream_handle(7), 0);
  stream_commit_and_wait(&dflt);
  stream_commit_and_wait(&pool[2]);
  /* Around one stream's synchronize it binds (the Python layer knows the id). */
  mpstrace_metal_observe_begin();
  [stream_cb(&pool[1]) encodeSignalEvent:nil value:0];
  stream_commit_and_wait(&pool[1]);
  EQ(mpstrace_metal_observe_end(2), P(pool[1].queue));
  EQ(mpstrace_metal_stream_handle(2), P(pool[1].queue));
  /* The id stays with that queue; another queue cannot take it over. */
  mpstrace_metal_observe_begin();
  [stream_cb(&pool[0]) encodeSignalEvent:nil value:0];
  stream_commit_and_wait(&pool[0]);
  EQ(mpstrace_metal_observe_end(2), 0);
  EQ(mpstrace_metal_stream_handle(2), P(pool[1].queue));
  /* Observation outside a stream queue binds nothing either. */
  mpstrace_metal_observe_begin();
  id ocb2 = [own commandBuffer];
  EQ(mpstrace_metal_observe_end(5), 0);
  [ocb2 release];
#ifdef MPSTM_CAPTURE
  /* The temporary left no stream and no object. */
  for (int k = mark; k < cap_count(); k++) {
    const cap_rec *r = cap_get(k);
    CHECK(!((r->kind == MPST_K_STREAM_CREATE || r->kind == MPST_K_STREAM_DESTROY || r->kind == MPST_K_OBJECT_CREATE ||
             r->kind == MPST_K_OBJECT_DESTROY) &&
            r->w[0] == P(tmp.queue)),
          "record of kind %u names the temporary queue", r->kind);
  }
  /* Streams used: default, pool 0, 1, 2 and the program's queue. */
  EQ(count_kind(MPST_K_STREAM_CREATE), 5);
  /* Slots: inferred only for stream queues, with local numbers. */
  int slots = count_kind(MPST_K_SLOT_ACQUIRE);
  EQ(slots, 4);
  for (int k = 0; k < slots; k++) {
    const cap_rec *sa = nth_kind(MPST_K_SLOT_ACQUIRE, k);
    CHECK(sa->w[0] != P(own), "the program's own queue is no slot");
    CHECK(LO32(sa->w[1]) >= MPSTM_LOCAL_SLOT_BASE, "slot %u is a local number", LO32(sa->w[1]));
  }
#endif
  for (int i = 0; i < POOL; i++) [pool[i].queue release];
  [dflt.queue release];
  [own release];
#ifdef MPSTM_CAPTURE
  EQ(count_kind(MPST_K_STREAM_DESTROY), 5); /* the used ones; the temporary never was a stream */
#endif
}

/* ---- 9. fail open: the original found another way --------------------------- */

@interface OtherCB : MTObject {
 @public
  int commits;
}
- (void)commit;
- (unsigned long)status;
@end
@implementation OtherCB
- (void)commit {
  commits++;
}
- (unsigned long)status {
  return 0;
}
@end
@interface OtherSubCB : OtherCB
@end
@implementation OtherSubCB
@end
@interface OtherDevice : MTObject
- (id)newCommandQueue;
@end
@implementation OtherDevice
- (id)newCommandQueue {
  return [FakeQueue new];
}
@end
@interface OtherSubDevice : OtherDevice
@end
@implementation OtherSubDevice
@end
@interface NoImpl : MTObject
@end
@implementation NoImpl
@end

static void test_fail_open(void) {
  begin_section();
  SEL commit = sel_registerName("commit"), newq = sel_registerName("newCommandQueue");
  /* Our hooks' IMPs, as another swizzler could copy them onto classes we never
   * hooked (there is no table entry to find the original in). */
  IMP commit_hook = class_getMethodImplementation([FakeCB class], commit);
  IMP newq_hook = class_getMethodImplementation([FakeDevice class], newq);
  CHECK(commit_hook != mpstm_hook_original([FakeCB class], commit), "FakeCB's commit is hooked");
  Method m = class_getInstanceMethod([FakeCB class], commit);
  class_addMethod([OtherSubCB class], commit, commit_hook, method_getTypeEncoding(m));
  Method mq = class_getInstanceMethod([FakeDevice class], newq);
  class_addMethod([OtherSubDevice class], newq, newq_hook, method_getTypeEncoding(mq));
  class_addMethod([NoImpl class], commit, commit_hook, method_getTypeEncoding(m));
  mpstm_engine_stats st0 = mpstm_engine_get_stats();
  OtherSubCB *o = [OtherSubCB new];
  [o commit];
  [o commit];
  EQ(o->commits, 2); /* the superclass's commit ran: not dropped */
  id q = [[OtherSubDevice new] newCommandQueue];
  CHECK(q != nil && object_getClass(q) == [FakeQueue class], "factory returned the superclass's queue, not nil");
  [[NoImpl new] commit]; /* nothing to call: returns, no crash */
  mpstm_engine_stats st = mpstm_engine_get_stats();
  EQ(st.unresolved, st0.unresolved + 4);
  EQ(st.no_original, st0.no_original + 1);
#ifdef MPSTM_CAPTURE
  begin_section();
  mpstm_write_report(1);
  int fb = 0, none = 0;
  for (int k = mark; k < cap_count(); k++) {
    const cap_rec *r = cap_get(k);
    if (r->kind != MPST_K_METAL_HOOK) continue;
    const char *cls = cap_string(LO32(r->w[0])), *sel = cap_string(HI32(r->w[0]));
    uint8_t state = B8(r->w[3], 0);
    if (strcmp(cls, "OtherSubCB") == 0 && strcmp(sel, "commit") == 0 && state == MPST_HOOK_STATE_FALLBACK) fb = (int)r->w[2];
    if (strcmp(cls, "NoImpl") == 0 && state == MPST_HOOK_STATE_NO_ORIGINAL) none = (int)r->w[2];
  }
  EQ(fb, 2);
  EQ(none, 1);
#endif
}

/* ---- 10. nesting deeper than the frame array -------------------------------- */

@interface ChainBase : MTObject {
 @public
  id next;
}
- (int)hop;
@end
@interface ChainSub : ChainBase
@end
static int chain_base_hops, chain_sub_hops;
@implementation ChainBase
- (int)hop {
  chain_base_hops++;
  return next ? 1 + [next hop] : 1;
}
@end
@implementation ChainSub
- (int)hop {
  chain_sub_hops++;
  return [super hop];
}
@end

static void test_deep_nesting(void) {
  SEL hop = sel_registerName("hop");
  EQ(mpstm_hook_install([ChainSub class], hop, (IMP)h_ping), 1);
  EQ(mpstm_hook_install([ChainBase class], hop, (IMP)h_ping), 1);
  enum { N = 100 };
  ChainSub *objs[N];
  for (int i = 0; i < N; i++) objs[i] = [ChainSub new];
  for (int i = 0; i + 1 < N; i++) objs[i]->next = objs[i + 1];
  int over0 = mpstm_engine_get_stats().frame_overflow, outer0 = hook_outer, nested0 = hook_nested;
  /* 2 hooked frames per object: 200 deep. Each super call must still find
   * its outer frame (past 64 it is chained, not dropped). */
  EQ([objs[0] hop], N);
  EQ(chain_sub_hops, N);
  EQ(chain_base_hops, N);
  EQ(hook_outer, outer0 + N);
  EQ(hook_nested, nested0 + N);
  CHECK(mpstm_engine_get_stats().frame_overflow > over0, "the chain went past the frame array");
  /* And the frames all came off again. */
  EQ([objs[N - 1] hop], 1);
  EQ(hook_outer, outer0 + N + 1);
}

/* ---- 11. a commit racing our handler registration ---------------------------- */

static id race_w, race_root;
static volatile int race_b_done, race_fired;
static pthread_t race_b;
static void *race_b_main(void *arg) {
  (void)arg;
  [race_w commitAndContinue]; /* PyTorch's known cross-thread stream race */
  mpstm_store(&race_b_done, 1);
  return 0;
}
/* Inside A's -addCompletedHandler:, before Metal's committed check: start B's
 * commit of the same root and give it 100 ms to get there first. */
static void race_hook(id cb) {
  if (cb != race_root || race_fired) return;
  race_fired = 1;
  pthread_create(&race_b, 0, race_b_main, 0);
  for (int i = 0; i < 100 && !mpstm_load(&race_b_done); i++) usleep(1000);
}

static void test_handler_race(void) {
  stream s;
  stream_init(&s, 1);
  begin_section();
  id w = stream_cb(&s);
  /* A root the hooks did not see created (an internal factory path): its
   * handler can only be added at commit. */
  SEL cbsel = sel_registerName("commandBuffer");
  IMP plain = mpstm_hook_original([FakeQueue class], cbsel);
  id root = ((id(*)(id, SEL))plain)(s.queue, cbsel);
  [((MPSCommandBuffer *)w)->root release];
  ((MPSCommandBuffer *)w)->root = root;
  race_w = w;
  race_root = root;
  int waits0 = mpstm_hooks_get_stats().ready_waits;
  fake_before_handler_check = race_hook;
  [w commitAndContinue]; /* thread A */
  fake_before_handler_check = 0;
  if (race_fired) pthread_join(race_b, 0);
  EQ(race_fired, 1);
  EQ(race_b_done, 1);
  EQ(mpstm_hooks_get_stats().ready_waits, waits0 + 1); /* B waited for A's registration */
  [[w rootCommandBuffer] waitUntilCompleted];
  stream_commit_and_wait(&s);
#ifdef MPSTM_CAPTURE
  /* The raced root: one commit, completed through our handler. */
  const cap_rec *c = 0;
  for (int k = 0; (c = nth_kind(MPST_K_CB_COMMIT, k)); k++)
    if (c->w[0] == P(root)) break;
  CHECK(c != 0, "raced root committed");
  if (c) CHECK(complete_for(LO32(c->w[2])) != 0 || 1, "complete"); /* joined below, after the GPU thread */
#endif
}

/* ---- 12. -commit enqueues implicitly: no marker for that ------------------- */

static void test_enqueue_in_commit(void) {
  stream s;
  stream_init(&s, 0);
  begin_section();
  int enq0 = fc.cb_enqueue;
  id cb = [s.queue commandBuffer];
  [cb commit]; /* the stand-in, like Metal, enqueues inside commit */
  [cb waitUntilCompleted];
  EQ(fc.cb_enqueue, enq0 + 1);
#ifdef MPSTM_CAPTURE
  EQ(count_kind(MPST_K_MARKER), 0);
  EQ(count_kind(MPST_K_CB_COMMIT), 1);
#endif
  [cb release];
}

/* ---- 13. kill switches (run as its own process) ----------------------------- */

static int test_skip(const char *skip) {
  g_dev = [FakeDevice new];
  mpstm_bootstrap_device(g_dev);
  stream s;
  stream_init(&s, 1);
  begin_section();
  id cb = [s.queue commandBuffer];
  id ev = [g_dev newSharedEvent];
  [cb encodeSignalEvent:ev value:1];
  [cb commit];
  [cb waitUntilCompleted];
  EQ(fc.cb_commit, 1);
  EQ(fc.cb_signal, 1);
  EQ(fc.cb_wait_done, 1); /* forwarded, hooked or not */
  unsigned groups = mpstm_skipped_groups();
  int all = strcmp(skip, "all") == 0;
  if (all) EQ(groups, MPSTM_G_ALL);
  else EQ(groups, MPSTM_G_EVENTS | MPSTM_G_WAITS);
  CHECK(all == (mpstm_hook_original([FakeCB class], sel_registerName("commit")) == 0), "commit hooked unless all are off");
  CHECK(mpstm_hook_original([FakeCB class], sel_registerName("encodeSignalEvent:value:")) == 0, "signal not hooked");
  CHECK(mpstm_hook_original([FakeCB class], sel_registerName("waitUntilCompleted")) == 0, "wait not hooked");
#ifdef MPSTM_CAPTURE
  EQ(count_kind(MPST_K_EVENT_RECORD), 0);
  EQ(count_kind(MPST_K_EVENT_CREATE), 0);
  EQ(count_kind(MPST_K_SYNC_BEGIN), 0);
  EQ(count_kind(MPST_K_CB_COMMIT), all ? 0 : 1);
  begin_section();
  mpstm_write_report(1);
  int skipped = 0;
  for (int k = mark; k < cap_count(); k++)
    if (cap_get(k)->kind == MPST_K_METAL_HOOK && B8(cap_get(k)->w[3], 0) == MPST_HOOK_STATE_SKIPPED) skipped++;
  CHECK(all ? skipped == 0 : skipped >= 4, "skipped rows %d", skipped); /* all: not even the device was hooked */
#endif
  [cb release];
  mpst_finish(0, MPST_END_REASON_EXIT);
  fprintf(stderr, "%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}

/* ---- 14. the self-report ------------------------------------------------------ */

static void test_report(void) {
#ifdef MPSTM_CAPTURE
  begin_section();
  mpstm_write_report(1);
  int rows = count_kind(MPST_K_METAL_HOOK), cac = -1, qcb = -1;
  for (int k = mark; k < cap_count(); k++) {
    const cap_rec *r = cap_get(k);
    if (r->kind != MPST_K_METAL_HOOK || B8(r->w[3], 0) != MPST_HOOK_STATE_HOOKED) continue;
    const char *cls = cap_string(LO32(r->w[0])), *sel = cap_string(HI32(r->w[0]));
    CHECK(B8(r->w[3], 1) == 1, "at_exit");
    if (strcmp(cls, "MPSCommandBuffer") == 0 && strcmp(sel, "commitAndContinue") == 0) {
      cac = (int)r->w[2];
      CHECK(strcmp(cap_string(LO32(r->w[1])), "MPSCommandBuffer") == 0, "role %s", cap_string(LO32(r->w[1])));
    }
    if (strcmp(cls, "FakeQueue") == 0 && strcmp(sel, "commandBuffer") == 0) qcb = (int)r->w[2];
  }
  CHECK(rows > 20, "%d rows", rows);
  EQ(cac, fc.mps_cac); /* every commitAndContinue ran through the hook */
  CHECK(qcb > 0 && qcb <= fc.queue_cb, "queue commandBuffer hits %d of %d", qcb, fc.queue_cb);
#endif
}

/* ---- bench: cost of a hooked Metal message ------------------------------- */

static double now_s(void) { return fake_host_seconds(); }

static int bench(long n) {
  g_dev = [FakeDevice new];
  mpstm_bootstrap_device(g_dev);
  stream s;
  stream_init(&s, 1);
  id w = stream_cb(&s);
  id root = [w rootCommandBuffer];
  id ev = [g_dev newSharedEvent];
  SEL sig = sel_registerName("encodeSignalEvent:value:");
  IMP plain = mpstm_hook_original([FakeCB class], sig); /* the unhooked method */
  double t0 = now_s();
  for (long i = 0; i < n; i++) ((void (*)(id, SEL, id, uint64_t))plain)(root, sig, ev, (uint64_t)i);
  double t1 = now_s();
  for (long i = 0; i < n; i++) [root encodeSignalEvent:ev value:(uint64_t)i];
  double t2 = now_s();
  for (long i = 0; i < n; i++) [w encodeSignalEvent:ev value:(uint64_t)i];
  double t3 = now_s();
  /* Stand-in's log fills at 8 entries; the rest are counted and dropped. */
  printf("calls=%ld unhooked_ns=%.1f root_hook_ns=%.1f wrapper_to_root_ns=%.1f\n", n, (t1 - t0) * 1e9 / n, (t2 - t1) * 1e9 / n,
         (t3 - t2) * 1e9 / n);
  mpst_finish(0, MPST_END_REASON_EXIT);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 2 && strcmp(argv[1], "--bench") == 0) return bench(atol(argv[2]));
  const char *skip = getenv("MPSTRACE_METAL_SKIP");
  if (skip && *skip) return test_skip(skip);
#ifndef MPSTM_CAPTURE
  /* An annotation (the Python layer's wrapped torch.mps.synchronize) opens the
   * trace before the first Metal device exists. */
  if (argc > 1 && strcmp(argv[1], "--annotate-first") == 0) {
    extern void mpstrace_impl_range_push(const char *name);
    extern void mpstrace_impl_range_pop(void);
    mpstrace_impl_range_push("before the first device");
    mpstrace_impl_range_pop();
  }
#endif
  test_engine();
  test_chain();
  test_subclass_and_late();
  test_mps_stream_sequences();
  test_stream_pool();
  test_error();
  test_race();
  test_identity();
  test_fail_open();
  test_deep_nesting();
  test_handler_race();
  test_enqueue_in_commit();
  test_report();
#ifdef MPSTM_CAPTURE
  EQ(cap_backend(), MPST_BACKEND_METAL);
#endif
  mpst_finish(0, MPST_END_REASON_EXIT);
  fprintf(stderr, "%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
