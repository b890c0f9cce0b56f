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
#define CHECK(cond, ...)                                                   \
  do {                                                                     \
    checks++;                                                              \
    if (!(cond)) {                                                         \
      failures++;                                                          \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);      \
      fprintf(stderr, __VA_ARGS__);                                        \
      fputc('\n', stderr);                                                 \
    }                                                                      \
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
  EQ(hook_outer, 1); EQ(hook_nested, 0); EQ(leaf_pings, 1); EQ(mid_pings, 1); EQ(base_pings, 1);
  /* Then the ancestors: the super chain re-enters the hook twice, nested. */
  EQ(mpstm_hook_install([EngBase class], ping, (IMP)h_ping), 1);
  EQ(mpstm_hook_install([EngMid class], ping, (IMP)h_ping), 1);
  EQ([leaf ping], 111);
  EQ(hook_outer, 2); EQ(hook_nested, 2); EQ(leaf_pings, 2); EQ(mid_pings, 2); EQ(base_pings, 2);
  EQ([mid ping], 11);
  EQ([base ping], 1);
  EQ(hook_outer, 4); EQ(mid_pings, 3); EQ(base_pings, 4);
  /* A sibling that inherits from a hooked base: nothing to add, still hooked once. */
  EQ(mpstm_hook_install([EngSib class], ping, (IMP)h_ping), 0);
  EQ([sib ping], 1);
  EQ(hook_outer, 5); EQ(base_pings, 5);
  /* Unknown selector and the recorded originals. */
  EQ(mpstm_hook_install([EngBase class], sel_registerName("noSuchSelector"), (IMP)h_ping), -1);
  CHECK(mpstm_hook_original([EngLeaf class], ping) != 0 && mpstm_hook_original([EngLeaf class], ping) != (IMP)h_ping,
        "leaf original must be the leaf's own IMP");
  CHECK(mpstm_hook_original([EngSib class], ping) == 0, "sibling has no entry of its own");
  EQ(mpstm_engine_get_stats().unresolved, 0);
}

/* ---- a PyTorch MPSStream, replayed (metal.md §2.2) ------------------------ */

typedef struct stream {
  id queue;
  id cb;   /* MPSCommandBuffer*, lazily created */
  id prev; /* _prevCommandBuffer (commit-and-continue off) */
  int cac; /* commit-and-continue enabled */
  int32_t ordinal;
} stream;

static FakeDevice *g_dev;
static uint64_t g_fake_dq = 0x1000;

static void stream_init(stream *s, int cac) {
  memset(s, 0, sizeof *s);
  s->queue = [g_dev newCommandQueue];
  s->ordinal = mpstm_on_dispatch_queue_created("metal gpu stream", g_fake_dq++);
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
  EQ(s0.ordinal, 0);
  EQ(snap(&fc.dev_new_queue), q0 + 1);
  /* A hook inside a hook: this factory calls -newCommandQueue itself. */
  id q2 = [g_dev newCommandQueueWithMaxCommandBufferCount:4];
  EQ(snap(&fc.dev_new_queue), q0 + 2);
  EQ(mpstm_on_dispatch_queue_created("metal gpu stream", 0x99), 1);
  EQ(mpstm_on_dispatch_queue_created("com.apple.other", 0x98), -1);
  id cb = [s0.queue commandBuffer];
  id ev = [g_dev newSharedEvent];
  [cb encodeSignalEvent:ev value:1];
  [cb encodeWaitForEvent:ev value:1];
  [cb enqueue];
  [cb commit];
  [cb waitUntilScheduled];
  [cb waitUntilCompleted];
  EQ([ev signaledValue], 1);
  mps_event me = {.ev = ev, .counter = 1};
  event_synchronize(&me);
  EQ(mpstm_load(&me.fired), 1);
  [ev setSignaledValue:0];
  [cb release];
  [ev release];
  EQ(fc.cb_signal, 1); EQ(fc.cb_wait_event, 1); EQ(fc.cb_enqueue, 1); EQ(fc.cb_commit, 1); EQ(fc.cb_wait_sched, 1);
      EQ(fc.cb_wait_done, 1); EQ(fc.ev_notify, 1); EQ(fc.dealloc_cb, 1); EQ(fc.dealloc_event, 1);
  EQ(mpstm_hooks_get_stats().handlers_added, 1);
  EQ(mpstm_hooks_get_stats().completions, 1);
#ifdef MPSTM_CAPTURE
  const cap_rec *ps = nth_kind(MPST_K_PROCESS_START, 0);
  CHECK(ps != 0, "process_start written at bootstrap");
  if (ps) EQ(B8(ps->w[1], 0), MPST_BACKEND_METAL);
  EQ(count_kind(MPST_K_STREAM_CREATE), 2); /* q2's factory nests another: counted once */
  const cap_rec *sc = nth_kind(MPST_K_STREAM_CREATE, 0);
  EQ(sc->w[0], P(s0.queue));
  EQ(nth_kind(MPST_K_STREAM_CREATE, 1)->w[0], P(q2));
  const cap_rec *oc = nth_kind(MPST_K_OBJECT_CREATE, 0);
  EQ(oc->w[0], P(s0.queue)); EQ(oc->w[1], P(g_dev)); EQ(B8(oc->w[3], 0), MPST_OBJECT_TYPE_COMMAND_QUEUE);
  const cap_rec *cc = nth_kind(MPST_K_CB_CREATE, 0);
  EQ(cc->w[0], P(cb)); EQ(cc->w[1], P(s0.queue));
  uint32_t corr = LO32(cc->w[2]);
  CHECK(corr != 0, "cb_create carries a corr");
  const cap_rec *ec = nth_kind(MPST_K_EVENT_CREATE, 0);
  EQ(ec->w[0], P(ev)); EQ(B8(ec->w[1], 4), 0);
  const cap_rec *er = nth_kind(MPST_K_EVENT_RECORD, 0);
  EQ(er->w[0], P(ev)); EQ(er->w[1], P(s0.queue));
  const cap_rec *ew = nth_kind(MPST_K_EVENT_WAIT, 0);
  EQ(ew->w[0], P(ev)); EQ(ew->w[1], P(s0.queue));
  EQ(count_kind(MPST_K_CB_COMMIT), 1);
  const cap_rec *cm = nth_kind(MPST_K_CB_COMMIT, 0);
  EQ(cm->w[0], P(cb)); EQ(cm->w[1], P(s0.queue)); EQ(LO32(cm->w[2]), corr); EQ(B8(cm->w[2], 4), 0);
  const cap_rec *done = complete_for(corr);
  CHECK(done != 0, "complete joined by corr %u", corr);
  if (done) {
    EQ((int32_t)HI32(done->w[0]), 0);
    CHECK((int64_t)done->w[1] >= 250000 && (int64_t)done->w[1] < 1000000000, "GPU duration %lld ns", (long long)done->w[1]);
    CHECK(done->ts > cm->ts, "GPU start after the commit");
    CHECK(done->tid != cm->tid, "completion ran on the GPU thread");
  }
  EQ(count_kind(MPST_K_SYNC_BEGIN), 2); EQ(count_kind(MPST_K_SYNC_END), 2);
  const cap_rec *sb = nth_kind(MPST_K_SYNC_BEGIN, 1), *se = nth_kind(MPST_K_SYNC_END, 1);
  EQ(sb->w[0], P(s0.queue)); EQ(B8(sb->w[1], 0), MPST_SYNC_SCOPE_STREAM);
  CHECK(strcmp(cap_string(HI32(sb->w[1])), "waitUntilCompleted") == 0, "api %s", cap_string(HI32(sb->w[1])));
  CHECK(strcmp(cap_string(HI32(nth_kind(MPST_K_SYNC_BEGIN, 0)->w[1])), "waitUntilScheduled") == 0, "scheduled first");
  EQ(se->w[0], P(s0.queue)); EQ(LO32(se->w[2]), 0);
  CHECK(index_of(sb) < index_of(se) && se->ts >= sb->ts, "sync_end after sync_begin");
  EQ(count_kind(MPST_K_MARKER), 3); /* enqueue, notifyListener, setSignaledValue */
  const cap_rec *dl = nth_kind(MPST_K_CB_DEALLOC, 0);
  EQ(dl->w[0], P(cb)); EQ(LO32(dl->w[1]), corr);
  EQ(nth_kind(MPST_K_EVENT_DESTROY, 0)->w[0], P(ev));
  EQ(count_kind(MPST_K_SLOT_ACQUIRE), 0); /* the default stream is not a slot */
#endif
  [q2 release];
#ifdef MPSTM_CAPTURE
  EQ(count_kind(MPST_K_STREAM_DESTROY), 1);
  EQ(nth_kind(MPST_K_STREAM_DESTROY, 0)->w[0], P(q2));
#endif
}

int main(int argc, char **argv) {
  (void)argc, (void)argv;
  test_engine();
  test_chain();
  fprintf(stderr, "%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
