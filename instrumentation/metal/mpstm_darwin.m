/*
 * macOS entry points: dyld interposition of the C functions PyTorch's MPS
 * backend calls before any queue exists. Darwin only.
 *
 * UNTESTED ON APPLE HARDWARE. Expected behaviour (metal.md §4-5, H/M):
 *  - dyld applies `__interpose` tuples only from images loaded at launch
 *    (DYLD_INSERT_LIBRARIES), and resolves the replacees then; the dylib
 *    links Metal so MTLCopyAllDevices/MTLCreateSystemDefaultDevice resolve.
 *  - Calls made from this image itself are not redirected, so each
 *    replacement calls the real function by name.
 *  - SIP strips DYLD_* for protected binaries (/usr/bin/python3, /usr/bin/env
 *    shebangs); the README's first-run checklist verifies the dylib loaded.
 * The CI compiles and links this file for arm64 and x86_64 macOS against
 * the project's SDK declarations (test/darwin-sdk) and checks the
 * __interpose section's bindings (test/metal-darwin.test.ts).
 */
#ifdef __APPLE__

#include <dispatch/dispatch.h>
#include <stdint.h>

#include "mpstm_hooks.h"
#include "mpstm_objc.h"
#include "../runtime/mpst_runtime.h"

/* Declared here so that no Metal header is needed (both are public C API;
 * MTLCopyAllDevices returns a +1 NSArray<id<MTLDevice>>). */
extern id MTLCreateSystemDefaultDevice(void);
extern id MTLCopyAllDevices(void);

#define MPSTM_INTERPOSE(replacement, replacee)                                                                                             \
  __attribute__((used)) static const struct {                                                                                              \
    const void *replacement_fn;                                                                                                            \
    const void *replacee_fn;                                                                                                               \
  } mpstm_interpose_##replacee __attribute__((section("__DATA,__interpose"))) = { (const void *)(unsigned long)&replacement,               \
                                                                                  (const void *)(unsigned long)&replacee }

/* Loaded means Metal is this process's backend: an annotation that opens the
 * trace before the first device (the Python layer wrapping
 * torch.mps.synchronize) must already write backend metal. */
__attribute__((constructor)) static void mpstm_loaded(void) { mpst_set_backend(MPST_BACKEND_METAL); }

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
 * order on one thread (metal.md §2.1, M). The queue is returned untouched
 * (with the +1 dispatch_queue_create gave us). */
static dispatch_queue_t mpstm_dispatch_queue_create(const char *label, dispatch_queue_attr_t attr) {
  dispatch_queue_t q = dispatch_queue_create(label, attr);
  (void)mpstm_on_dispatch_queue_created(label, (uint64_t)(uintptr_t)q);
  return q;
}

MPSTM_INTERPOSE(mpstm_MTLCreateSystemDefaultDevice, MTLCreateSystemDefaultDevice);
MPSTM_INTERPOSE(mpstm_MTLCopyAllDevices, MTLCopyAllDevices);
MPSTM_INTERPOSE(mpstm_dispatch_queue_create, dispatch_queue_create);

#endif /* __APPLE__ */
