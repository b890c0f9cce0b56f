/* Darwin <objc/runtime.h> (with <objc/objc.h>), only what mpstrace uses.
 * IMP is non-variadic (OBJC_OLD_DISPATCH_PROTOTYPES=0): every call casts it
 * to the exact prototype, as arm64 requires. */
#pragma once
#include <stdint.h>
#include <stddef.h>
typedef struct objc_class *Class;
struct objc_object {
  Class isa;
};
typedef struct objc_object *id;
typedef struct objc_selector *SEL;
typedef void (*IMP)(void);
typedef struct objc_method *Method;
#if defined(__arm64__) || defined(__aarch64__)
typedef _Bool BOOL;
#else
typedef signed char BOOL;
#endif
#ifndef nil
#define nil ((id)0)
#endif
Class objc_getClass(const char *);
Class object_getClass(id);
const char *class_getName(Class);
Class class_getSuperclass(Class);
Method class_getInstanceMethod(Class, SEL);
IMP class_getMethodImplementation(Class, SEL);
BOOL class_addMethod(Class, SEL, IMP, const char *);
IMP method_getImplementation(Method);
IMP method_setImplementation(Method, IMP);
const char *method_getTypeEncoding(Method);
SEL sel_registerName(const char *);
const char *sel_getName(SEL);
