/*
 * The annotation entry points as Python built-in functions, for the PyTorch
 * layer (instrumentation/python/mpstrace/torch.py), which calls several per
 * wrapped torch call. Through ctypes each call converts its arguments with
 * Python-level machinery (about 0.4-0.8 us on the GPU machine's CPU, more
 * than the record it writes); a METH_FASTCALL built-in converts them in C.
 *
 * The recorder runs in programs that are not Python too, so it never links
 * libpython: the few CPython functions used here (stable ABI, 3.10+) are
 * looked up in the process the first time Python asks for a function
 * (mpstrace_py_function, called through ctypes.PyDLL, so with the GIL held),
 * and a missing one makes the layer keep its ctypes functions. Arguments
 * convert as ctypes converts them for the same signatures: integers masked to
 * their width, strings as bytes or None.
 */
#include "mpst_api.generated.h"

#include <dlfcn.h>
#include <stdint.h>
#include <string.h>

typedef struct _object PyObject;
typedef intptr_t py_ssize;
typedef PyObject *(*py_fastcall)(PyObject *self, PyObject *const *args, py_ssize nargs);
/* PyMethodDef's layout (stable ABI) */
typedef struct {
  const char *ml_name;
  py_fastcall ml_meth;
  int ml_flags;
  const char *ml_doc;
} py_method_def;
#define PY_METH_FASTCALL 0x0080

static struct {
  int state; /* 0 not looked up, 1 ready, -1 unavailable */
  PyObject *(*cfunction_new)(py_method_def *, PyObject *, PyObject *);
  unsigned long long (*as_u64)(PyObject *);
  PyObject *(*from_u64)(unsigned long long);
  PyObject *(*from_long)(long);
  char *(*bytes_as_string)(PyObject *);
  PyObject *(*err_occurred)(void);
  void (*err_set_string)(PyObject *, const char *);
  void (*incref)(PyObject *);
  PyObject **type_error;
  PyObject *none;
} P;

static int py_lookup(void) {
  if (P.state) return P.state > 0;
  void *h = RTLD_DEFAULT;
  *(void **)&P.cfunction_new = dlsym(h, "PyCFunction_NewEx");
  *(void **)&P.as_u64 = dlsym(h, "PyLong_AsUnsignedLongLongMask");
  *(void **)&P.from_u64 = dlsym(h, "PyLong_FromUnsignedLongLong");
  *(void **)&P.from_long = dlsym(h, "PyLong_FromLong");
  *(void **)&P.bytes_as_string = dlsym(h, "PyBytes_AsString");
  *(void **)&P.err_occurred = dlsym(h, "PyErr_Occurred");
  *(void **)&P.err_set_string = dlsym(h, "PyErr_SetString");
  *(void **)&P.incref = dlsym(h, "Py_IncRef");
  P.type_error = (PyObject **)dlsym(h, "PyExc_TypeError");
  P.none = (PyObject *)dlsym(h, "_Py_NoneStruct");
  int ok = P.cfunction_new && P.as_u64 && P.from_u64 && P.from_long && P.bytes_as_string && P.err_occurred && P.err_set_string &&
           P.incref && P.type_error && P.none;
  P.state = ok ? 1 : -1;
  return ok;
}

static PyObject *py_none(void) {
  P.incref(P.none);
  return P.none;
}

/* The arguments as 64-bit words, by `kinds` ('i' an integer, masked as
 * ctypes masks c_uint64/c_int32/...; 's' bytes or None, a C string or NULL as
 * c_char_p); 0 with a Python exception set when they do not convert. */
static int convert(PyObject *const *args, py_ssize nargs, const char *kinds, const char *name, uint64_t *a) {
  py_ssize n = (py_ssize)strlen(kinds);
  if (nargs != n) {
    P.err_set_string(*P.type_error, name);
    return 0;
  }
  for (py_ssize i = 0; i < n; i++) {
    if (kinds[i] == 's') a[i] = args[i] == P.none ? 0 : (uint64_t)(uintptr_t)P.bytes_as_string(args[i]);
    else a[i] = (uint64_t)P.as_u64(args[i]);
    if (P.err_occurred()) return 0;
  }
  return 1;
}

#define S(i) ((const char *)(uintptr_t)a[i])
#define FAST(name, kinds, call)                                                                                                            \
  static PyObject *fast_##name(PyObject *self, PyObject *const *args, py_ssize nargs) {                                                    \
    (void)self;                                                                                                                            \
    uint64_t a[8] = { 0 };                                                                                                                 \
    if (!convert(args, nargs, kinds, #name "(): wrong number of arguments", a)) return NULL;                                               \
    call;                                                                                                                                  \
    return py_none();                                                                                                                      \
  }

static PyObject *fast_enabled(PyObject *self, PyObject *const *args, py_ssize nargs) {
  (void)self;
  (void)args;
  if (nargs != 0) {
    P.err_set_string(*P.type_error, "enabled() takes no arguments");
    return NULL;
  }
  return P.from_long(mpstrace_impl_enabled());
}

static PyObject *fast_push_site(PyObject *self, PyObject *const *args, py_ssize nargs) {
  (void)self;
  uint64_t a[3];
  if (!convert(args, nargs, "ssi", "push_site(): wrong number of arguments", a)) return NULL;
  return P.from_u64(mpstrace_impl_push_site(S(0), S(1), a[2]));
}

FAST(pop_site, "i", mpstrace_impl_pop_site((uint32_t)a[0]))
FAST(api_sync_begin, "iis", mpstrace_impl_api_sync_begin(a[0], (int)a[1], S(2)))
FAST(api_sync_end, "iisi", mpstrace_impl_api_sync_end(a[0], (int)a[1], S(2), (int32_t)a[3]))
FAST(intent_record, "ii", mpstrace_impl_intent_record(a[0], a[1]))
FAST(intent_wait, "ii", mpstrace_impl_intent_wait(a[0], a[1]))
FAST(api_current_stream, "iii", mpstrace_impl_api_current_stream(a[0], a[1], (int32_t)a[2]))
FAST(api_elapsed, "iiiiii", mpstrace_impl_api_elapsed(a[0], a[1], (int64_t)a[2], (int)a[3], (int)a[4], (int)a[5]))
FAST(api_record_stream, "iii", mpstrace_impl_api_record_stream(a[0], a[1], a[2]))
FAST(tensor_access, "iiiisi", mpstrace_impl_tensor_access(a[0], a[1], a[2], a[3], S(4), (int)a[5]))
FAST(host_access, "iiisi", mpstrace_impl_host_access(a[0], a[1], a[2], S(3), (int)a[4]))
FAST(alloc, "iiii", mpstrace_impl_alloc(a[0], a[1], a[2], (int)a[3]))
FAST(free, "iii", mpstrace_impl_free(a[0], a[1], (int)a[2]))
FAST(event_query, "ii", mpstrace_impl_event_query(a[0], (int32_t)a[1]))
FAST(slot_acquire, "iiii", mpstrace_impl_slot_acquire((uint32_t)a[0], a[1], (int32_t)a[2], (int64_t)a[3]))
FAST(api_layer, "iis", mpstrace_impl_api_layer((int)a[0], (int)a[1], S(2)))

static py_method_def fast_defs[] = {
#define DEF(name)                                                                                                                          \
  { #name, fast_##name, PY_METH_FASTCALL, NULL }
  DEF(enabled),     DEF(push_site),          DEF(pop_site),     DEF(api_sync_begin),    DEF(api_sync_end),  DEF(intent_record),
  DEF(intent_wait), DEF(api_current_stream), DEF(api_elapsed),  DEF(api_record_stream), DEF(tensor_access), DEF(alloc),
  DEF(free),        DEF(event_query),        DEF(slot_acquire), DEF(api_layer),         DEF(host_access),
#undef DEF
};

/* A new reference to the built-in for annotation entry point `name` (the
 * mpstrace_impl_ suffix), or None when there is none for it or CPython's
 * functions are not in this process. Call with the GIL held. */
MPST_EXPORT PyObject *mpstrace_py_function(const char *name) {
  if (!py_lookup()) return NULL; /* ctypes raises ValueError: the caller keeps its ctypes function */
  for (size_t i = 0; i < sizeof fast_defs / sizeof fast_defs[0]; i++)
    if (name && strcmp(fast_defs[i].ml_name, name) == 0) return P.cfunction_new(&fast_defs[i], NULL, NULL);
  return py_none();
}
