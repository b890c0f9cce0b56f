/*
 * macOS entry points: dyld interposition of the C functions PyTorch's MPS
 * backend calls before any queue exists. Darwin only.
 *
 * UNTESTED ON APPLE HARDWARE. Expected behaviour (metal.md §4-5, H/M):
 *  - dyld applies `__interpose` tuples only from images loaded at launch
 *    (DYLD_INSERT_LIBRARIES), and resolves the replacees then; this dylib
 *    links Metal so MTLCopyAllDevices/MTLCreateSystemDefaultDevice resolve.
 *  - Calls made from this image itself are not redirected, so each
 *    replacement calls the real function by name.
 *  - SIP strips DYLD_* for protected binaries (/usr/bin/python3, /usr/bin/env
 *    shebangs); the README's first-run checklist verifies the dylib loaded.
 */
#ifdef __APPLE__

#include <dispatch/dispatch.h>
#include <stdint.h>

#include "mpstm_hooks.h"
#include "mpstm_objc.h"

/* Declared here so that no Metal header is needed (both are public C API;
 * MTLCopyAllDevices returns a +1 NSArray<id<MTLDevice>>). */
extern id MTLCreateSystemDefaultDevice(void);
extern id MTLCopyAllDevices(void);

#define MPSTM_INTERPOSE(replacement, replacee)                                                     \
  __attribute__((used)) static const struct {                                                      \
    const void *replacement_fn;                                                                     \
    const void *replacee_fn;                                                                        \
  } mpstm_interpose_##replacee __attribute__((section("__DATA,__interpose"))) = {                  \
      (const void *)(unsigned long)&replacement, (const void *)(unsigned long)&replacee}

/* dispatch_get_specific key tagging each PyTorch stream's serial queue with
 * its ordinal + 1 (0 = not a stream queue). */
static char mpstm_stream_key;

static id mpstm_MTLCreateSystemDefaultDevice(void) {
  id dev = MTLCreateSystemDefaultDevice();
  mpstm_bootstrap_device(dev);
  return dev;
}

static id mpstm_MTLCopyAllDevices(void) {
  id devices = MTLCopyAllDevices();
  uint64_t n = mpstm_send_u64(devices, sel_registerName("count"), 0);
  SEL at = sel_registerName("objectAtIndex:");
  for (uint64_t i = 0; i < n; i++) mpstm_bootstrap_device(mpstm_send_id_u64(devices, at, i));
  return devices;
}

/* MPSStream's constructor creates its MTLCommandQueue, then
 * dispatch_queue_create("metal gpu stream"); the pairing relies on that
 * order on one thread (metal.md §2.1, M). */
static dispatch_queue_t mpstm_dispatch_queue_create(const char *label, dispatch_queue_attr_t attr) {
  dispatch_queue_t q = dispatch_queue_create(label, attr);
  int32_t ordinal = mpstm_on_dispatch_queue_created(label, (uint64_t)(uintptr_t)q);
  if (ordinal >= 0) dispatch_queue_set_specific(q, &mpstm_stream_key, (void *)(intptr_t)(ordinal + 1), NULL);
  return q;
}

MPSTM_INTERPOSE(mpstm_MTLCreateSystemDefaultDevice, MTLCreateSystemDefaultDevice);
MPSTM_INTERPOSE(mpstm_MTLCopyAllDevices, MTLCopyAllDevices);
MPSTM_INTERPOSE(mpstm_dispatch_queue_create, dispatch_queue_create);

#endif /* __APPLE__ */
