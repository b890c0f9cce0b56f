/* Stand-in Metal/MPS classes for the Linux hook tests; see standins.h. */
#include "standins.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

fake_counts fc;
void (*fake_before_handler_check)(id cb);

double fake_host_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

@implementation MTObject
+ (id)alloc {
  MTObject *o = (MTObject *)class_createInstance(self, 0);
  mpstm_store(&o->_rc, 1);
  return o;
}
+ (id)new {
  return [[self alloc] init];
}
+ (Class)class {
  return self;
}
- (id)init {
  return self;
}
- (id)retain {
  mpstm_add(&_rc, 1);
  return self;
}
- (void)release {
  if (mpstm_sub(&_rc, 1) == 1) [self dealloc];
}
- (void)dealloc {
  object_dispose(self);
}
@end

@implementation FakeHandler
+ (id)withFn:(void (*)(id, uint64_t, void *))f ctx:(void *)c {
  FakeHandler *h = [self new];
  h->fn = f;
  h->ctx = c;
  return h;
}
- (void)invoke:(id)arg value:(uint64_t)v {
  if (fn) fn(arg, v, ctx);
}
@end

@implementation FakeDevice
- (id)init {
  queueClass = [FakeQueue class];
  cbClass = [FakeCB class];
  return self;
}
- (id)newCommandQueue {
  mpstm_add(&fc.dev_new_queue, 1);
  FakeQueue *q = [queueClass new];
  q->cbClass = cbClass;
  return q;
}
- (id)newCommandQueueWithMaxCommandBufferCount:(unsigned long)n {
  (void)n;
  return [self newCommandQueue]; /* a hook inside a hook: counted once */
}
- (id)newSharedEvent {
  mpstm_add(&fc.dev_new_event, 1);
  return [FakeSharedEvent new];
}
@end

@implementation FakeQueue
- (id)commandBuffer {
  mpstm_add(&fc.queue_cb, 1);
  FakeCB *cb = [cbClass new];
  cb->queue = self;
  return cb;
}
- (id)commandBufferWithUnretainedReferences {
  return [self commandBuffer];
}
- (void)dealloc {
  mpstm_add(&fc.dealloc_queue, 1);
  [super dealloc];
}
@end

@implementation FakeError
- (long)code {
  return code;
}
@end

static void *gpu_main(void *arg) {
  FakeCB *cb = arg;
  usleep(200);
  cb->gpuStart = fake_host_seconds();
  usleep(300);
  cb->gpuEnd = fake_host_seconds();
  for (int i = 0; i < cb->nsignals; i++) [cb->sigEvents[i] signalFromGPU:cb->sigValues[i]];
  mpstm_store(&cb->status, cb->failWithCode ? 5 : 4);
  for (int i = 0; i < cb->nhandlers; i++) {
    [cb->handlers[i] invoke:cb value:0];
    mpstm_add(&fc.handlers_run, 1);
  }
  return 0;
}

@implementation FakeCB
- (id)commandQueue {
  return queue;
}
- (void)commit {
  mpstm_add(&fc.cb_commit, 1);
  if (mpstm_load(&status) < 1) [self enqueue]; /* Metal's commit enqueues first */
  mpstm_store(&status, 2);
  gpuStarted = pthread_create(&gpu, 0, gpu_main, self) == 0;
}
- (void)enqueue {
  mpstm_add(&fc.cb_enqueue, 1);
  mpstm_store(&status, 1);
}
- (void)waitUntilCompleted {
  mpstm_add(&fc.cb_wait_done, 1);
  if (gpuStarted) pthread_join(gpu, 0);
  gpuStarted = 0;
}
- (void)waitUntilScheduled {
  mpstm_add(&fc.cb_wait_sched, 1);
}
- (void)encodeSignalEvent:(id)e value:(uint64_t)v {
  mpstm_add(&fc.cb_signal, 1);
  if (nsignals < FAKE_MAX_SIGNALS) sigEvents[nsignals] = e, sigValues[nsignals++] = v;
}
- (void)encodeWaitForEvent:(id)e value:(uint64_t)v {
  (void)e, (void)v;
  mpstm_add(&fc.cb_wait_event, 1);
}
- (void)addCompletedHandler:(id)h {
  mpstm_add(&fc.cb_add_handler, 1);
  if (fake_before_handler_check) fake_before_handler_check(self);
  if (mpstm_load(&status) >= 2) abort(); /* Metal: "Completed handler provided after commit call" */
  if (nhandlers < FAKE_MAX_HANDLERS) handlers[nhandlers++] = [h retain];
}
- (unsigned long)status {
  return mpstm_load(&status);
}
- (double)GPUStartTime {
  return gpuStart;
}
- (double)GPUEndTime {
  return gpuEnd;
}
- (id)error {
  if (!failWithCode) return nil;
  FakeError *e = [FakeError new];
  e->code = failWithCode;
  return e; /* leaked: tests only */
}
- (void)dealloc {
  mpstm_add(&fc.dealloc_cb, 1);
  if (gpuStarted) pthread_join(gpu, 0);
  for (int i = 0; i < nhandlers; i++) [handlers[i] release];
  [super dealloc];
}
@end

@implementation FakeAGXCB
- (void)commit {
  mpstm_add(&fc.agx_commit, 1);
  [super commit];
}
@end

@implementation FakeSharedEvent
- (id)init {
  pthread_mutex_init(&mu, 0);
  return self;
}
- (uint64_t)signaledValue {
  return mpstm_load(&value);
}
- (void)setSignaledValue:(uint64_t)v {
  mpstm_add(&fc.ev_set_value, 1);
  [self signalFromGPU:v];
}
/* The GPU's signal: real Metal does not send -setSignaledValue: for it. */
- (void)signalFromGPU:(uint64_t)v {
  mpstm_store(&value, v);
  id fire[8];
  uint64_t fireAt[8];
  int nf = 0;
  pthread_mutex_lock(&mu);
  for (int i = 0; i < nlisteners;) {
    if (at[i] <= v) {
      fire[nf] = listeners[i], fireAt[nf++] = at[i];
      listeners[i] = listeners[--nlisteners], at[i] = at[nlisteners];
    } else {
      i++;
    }
  }
  pthread_mutex_unlock(&mu);
  for (int i = 0; i < nf; i++) {
    [fire[i] invoke:self value:fireAt[i]];
    [fire[i] release];
  }
}
- (void)notifyListener:(id)listener atValue:(uint64_t)v block:(id)block {
  (void)listener;
  mpstm_add(&fc.ev_notify, 1);
  pthread_mutex_lock(&mu);
  int now = mpstm_load(&value) >= v;
  if (!now && nlisteners < 8) listeners[nlisteners] = [block retain], at[nlisteners++] = v; /* Metal copies the block */
  pthread_mutex_unlock(&mu);
  if (now) [block invoke:self value:v];
}
- (void)dealloc {
  mpstm_add(&fc.dealloc_event, 1);
  [super dealloc];
}
@end

@implementation MPSCommandBuffer
+ (id)commandBufferFromCommandQueue:(id)q {
  mpstm_add(&fc.mps_from_queue, 1);
  MPSCommandBuffer *w = [self new];
  pthread_mutex_init(&w->mu, 0);
  w->queue = q;
  w->root = [q commandBuffer];
  return w;
}
- (id)rootCommandBuffer {
  mpstm_add(&fc.mps_root, 1);
  return root;
}
- (id)commandQueue {
  return queue;
}
- (void)commit {
  mpstm_add(&fc.mps_commit, 1);
  [root commit];
}
- (void)commitAndContinue {
  mpstm_add(&fc.mps_cac, 1);
  pthread_mutex_lock(&mu);
  id old = root;
  [old commit];
  root = [queue commandBuffer];
  pthread_mutex_unlock(&mu);
  [old release]; /* the committed root lives on until its GPU work is joined in dealloc */
}
- (void)waitUntilCompleted {
  mpstm_add(&fc.mps_wait_done, 1);
  [root waitUntilCompleted];
}
- (void)encodeSignalEvent:(id)e value:(uint64_t)v {
  mpstm_add(&fc.mps_signal, 1);
  [root encodeSignalEvent:e value:v];
}
- (void)encodeWaitForEvent:(id)e value:(uint64_t)v {
  [root encodeWaitForEvent:e value:v];
}
- (void)addCompletedHandler:(id)h {
  [root addCompletedHandler:h];
}
- (void)dealloc {
  mpstm_add(&fc.dealloc_mps, 1);
  [root release];
  [super dealloc];
}
@end

static Class g_late;
static void late_commit(id self, SEL cmd) {
  mpstm_add(&fc.late_commit, 1);
  /* What `[super commit]` compiles to, done through the runtime because the
   * class is built at run time. */
  IMP sup = class_getMethodImplementation(class_getSuperclass(g_late), cmd);
  ((void (*)(id, SEL))sup)(self, cmd);
}

Class fake_make_late_class(const char *name) {
  Class c = objc_getClass(name);
  if (c || g_late) return c ? c : g_late; /* one late class per process */
  c = objc_allocateClassPair([FakeCB class], name, 0);
  Method m = class_getInstanceMethod([FakeCB class], sel_registerName("commit"));
  class_addMethod(c, sel_registerName("commit"), (IMP)late_commit, method_getTypeEncoding(m));
  objc_registerClassPair(c);
  g_late = c;
  return c;
}
