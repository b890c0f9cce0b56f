/*
 * Objective-C runtime portability for the Metal recorder.
 *
 * Only the C runtime API that Apple's runtime and GCC's GNU runtime share is
 * used (objc_getClass, class_getInstanceMethod, class_getMethodImplementation,
 * method_setImplementation, class_addMethod, object_getClass, sel_registerName),
 * so the hook logic compiles unchanged on macOS (clang) and on Linux
 * (gcc -x objective-c -fgnu-runtime) against stand-in classes.
 *
 * Messages are sent by looking the IMP up and calling it through a cast to the
 * exact prototype: never through a variadic prototype, which is wrong on
 * Apple arm64.
 */
#ifndef MPSTM_OBJC_H
#define MPSTM_OBJC_H

/* The hooks manage retain counts by hand (the dispatch_queue_create
 * replacement must return the +1 it got; the block wrappers release what they
 * copy); under ARC the compiler would add its own retains and releases. */
#if defined(__has_feature)
#if __has_feature(objc_arc)
#error "the Metal recorder must be compiled without ARC (-fno-objc-arc)"
#endif
#endif

#include <objc/runtime.h>
#ifdef __APPLE__
#include <objc/message.h>
#endif
#include <stdint.h>

#ifndef nil
#define nil ((id)0)
#endif

/* Casts an IMP to its exact prototype (through the generic function type,
 * which compilers accept without -Wcast-function-type noise). */
#define MPSTM_FN(type, imp) ((type)(void (*)(void))(imp))

static inline IMP mpstm_imp(id obj, SEL sel) { return class_getMethodImplementation(object_getClass(obj), sel); }

/* 1 when obj's class (or an ancestor) implements sel. Checked before sending
 * optional selectors, since an unknown selector raises on Apple. */
static inline int mpstm_responds(id obj, SEL sel) { return obj && sel && class_getInstanceMethod(object_getClass(obj), sel) != 0; }

static inline id mpstm_send_id(id obj, SEL sel) {
  if (!mpstm_responds(obj, sel)) return nil;
  return MPSTM_FN(id(*)(id, SEL), mpstm_imp(obj, sel))(obj, sel);
}

/* NSUInteger / NSInteger are 64-bit on every platform this targets. */
static inline uint64_t mpstm_send_u64(id obj, SEL sel, uint64_t dflt) {
  if (!mpstm_responds(obj, sel)) return dflt;
  return MPSTM_FN(uint64_t(*)(id, SEL), mpstm_imp(obj, sel))(obj, sel);
}

static inline double mpstm_send_double(id obj, SEL sel) {
  if (!mpstm_responds(obj, sel)) return 0.0;
  return MPSTM_FN(double (*)(id, SEL), mpstm_imp(obj, sel))(obj, sel);
}

static inline id mpstm_send_id_u64(id obj, SEL sel, uint64_t arg) {
  if (!mpstm_responds(obj, sel)) return nil;
  return MPSTM_FN(id(*)(id, SEL, uint64_t), mpstm_imp(obj, sel))(obj, sel, arg);
}

#endif
