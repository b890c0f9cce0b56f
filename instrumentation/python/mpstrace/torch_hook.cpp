// mpstrace.torch level `full`, per-op half, in C++: an at::RecordFunction
// observer (torch's own global callback API, the one its profiler uses) that
// writes, for every op on a GPU tensor, the byte ranges it reads and writes
// (tensor_access records) on the stream current at dispatch.
//
// Why C++: a Python TorchDispatchMode re-enters Python for every op; a bare
// no-op one alone adds ~78 % to a launch-bound training step. Here an op
// costs the boxing of its arguments (which torch does for any observer that
// asks for inputs) and a few loads per tensor.
//
// What it records is what the Python dispatch mode (torch.py, _make_mode)
// records, from the same facts: the op schema's alias/write information
// (per op overload, looked up once), a view as its real byte extent (sizes,
// strides, storage offset), fresh outputs as written. Differences, because
// an observer sees every dispatcher call and a dispatch mode only those
// below autograd: ops that only decompose into other ops
// (CompositeImplicitAutograd with no kernel of their own for the device) are
// skipped, since their parts are observed themselves and such an op may
// return an input as a "fresh" output (type_as); ops nested in another op's
// kernel (the copy_ inside _to_copy) are not recorded: the outer op's schema
// covers what they touch (torch_hook_nesting.h), so a race is reported once.
//
// Block lifetimes (levels api and full): the CUDA caching allocator's own
// trace tracker, when this library was built with CUDA's headers; else
// (level full) torch's GPU-trace callbacks, paired with op outputs for sizes.
//
// Call sites: the outermost op of a Python thread names the program's
// Python line (the thread's frames are walked with the GIL taken back for
// the moment; torch's bindings release it around the op); nested ops and
// backend calls inside it keep that site (push_site/pop_site). Ops on
// threads that run no Python frame (autograd's device threads) get the site
// "autograd engine": in a Python process, a thread that dispatches ops
// outside any Python frame is one of them.
//
// Never breaks the program: every callback catches its own failures, writes
// one api_layer record with ok = 0 and switches the observer off.
//
// Built on first use against the installed torch's headers
// (mpstrace/_torch_native.py), loaded with ctypes.PyDLL: every extern "C"
// entry below runs with the GIL held.
// No Python.h: the few CPython calls used here are declared below (stable C
// API, present since 3.9), so a Python without its development headers (a
// distribution's python3 without python3-dev) still builds the observer.
// The process that loads the library is the Python that provides them.
extern "C" {
typedef struct _object PyObject;
typedef struct _frame PyFrameObject;
typedef struct _ts PyThreadState;
typedef int PyGILState_STATE;
int Py_IsInitialized(void);
PyThreadState* PyGILState_GetThisThreadState(void);
PyGILState_STATE PyGILState_Ensure(void);
void PyGILState_Release(PyGILState_STATE);
PyThreadState* PyThreadState_Get(void);
PyFrameObject* PyThreadState_GetFrame(PyThreadState*);
PyFrameObject* PyFrame_GetBack(PyFrameObject*);
PyObject* PyFrame_GetCode(PyFrameObject*);
int PyFrame_GetLineNumber(PyFrameObject*);
PyObject* PyObject_GetAttrString(PyObject*, const char*);
PyObject* PyObject_CallFunctionObjArgs(PyObject*, ...);
void PyErr_Clear(void);
void Py_IncRef(PyObject*);
void Py_DecRef(PyObject*);
long PyTuple_Size(PyObject*);
PyObject* PyTuple_GetItem(PyObject*, long);
char* PyBytes_AsString(PyObject*);
}

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/ivalue.h>
#include <ATen/record_function.h>
#include <c10/core/TensorOptions.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>

// Block lifetimes from the CUDA caching allocator's own trace tracker (C++,
// no Python per block). Only when the build found CUDA's headers and
// libc10_cuda (_torch_native.py defines MPST_CUDA_ALLOC then; it builds
// again without it when that fails, so the observer never depends on it).
#if defined(MPST_CUDA_ALLOC) && __has_include(<c10/cuda/CUDACachingAllocator.h>)
#include <c10/cuda/CUDACachingAllocator.h>
#define MPST_HAVE_TRACKER 1
#else
#define MPST_HAVE_TRACKER 0
#endif

#include "torch_hook_nesting.h"

#include <dlfcn.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace {

constexpr int kRead = 1, kWrite = 2, kReadWrite = 3;
constexpr int kMemTorchBlock = 7;
constexpr int kMaxDepth = 64;

// the recorder's C entry points (mpstrace_impl_*, resolved from the process)
using tensor_access_fn = void (*)(uint64_t, uint64_t, uint64_t, uint64_t, const char*, int);
using alloc_fn = void (*)(uint64_t, uint64_t, uint64_t, int);
using free_fn = void (*)(uint64_t, uint64_t, int);
using layer_fn = void (*)(int, int, const char*);
using push_fn = uint32_t (*)(const char*, const char*, uint64_t);
using pop_fn = void (*)(uint32_t);

struct Recorder {
  tensor_access_fn tensor_access = nullptr;
  alloc_fn alloc = nullptr;
  free_fn free_ = nullptr;
  layer_fn api_layer = nullptr;
  push_fn push_site = nullptr;
  pop_fn pop_site = nullptr;
} R;

std::atomic<bool> g_on{false};
std::atomic<bool> g_failed{false};
at::CallbackHandle g_handle = 0;
c10::DeviceType g_dev = c10::DeviceType::CUDA;
c10::DispatchKey g_backend_key = c10::DispatchKey::CUDA;
bool g_stream_native = true;   // false: the device has no native stream handle (CPU in tests): stream id
int g_level = 2;
PyObject* g_classify = nullptr;  // Python: code, globals -> None (plumbing) or (symbol, file) bytes
std::atomic<uint64_t> g_ops{0}, g_records{0};

void fail(const char* where, const char* what) {
  if (g_failed.exchange(true)) return;
  g_on.store(false);
  char msg[400];
  snprintf(msg, sizeof msg, "mpstrace.torch stepped aside: C++ op observer: %s failed: %s", where, what);
  if (R.api_layer) R.api_layer(g_level, 0, msg);
}

// ---- per op overload: what its schema says -----------------------------------

struct OpInfo {
  std::string name;            // "add_.Tensor" (the op name the trace shows)
  std::vector<uint8_t> mode;   // per argument: 0 not looked at, else kRead/kWrite/kReadWrite
  std::vector<uint8_t> fresh;  // per return: 1 when it is a new tensor (no alias info)
  bool touches = false;        // false: views, allocations, composites: no accesses at all
};

// ops that allocate or re-describe storage without touching its bytes, and
// record_stream (its `self` is marked written, but it only tells the allocator)
// In-place ops that overwrite their `self` without reading it (as _OVERWRITE in
// torch.py): its bytes are written, not read and written.
const std::unordered_set<std::string> kOverwrite = {"copy_",   "fill_",        "zero_",      "normal_",
                                                    "uniform_", "random_",      "exponential_", "geometric_",
                                                    "log_normal_", "cauchy_", "bernoulli_"};

const std::unordered_set<std::string> kNoData = {
    "empty", "new_empty", "empty_strided", "new_empty_strided", "empty_like", "resize_", "set_",
    "_local_scalar_dense", "record_stream"};

bool is_tensor_type(const c10::TypePtr& t) {
  // Tensor, Tensor?, Tensor[], Tensor?[]
  std::string s = t->str();
  return s.find("Tensor") != std::string::npos;
}

OpInfo* build_info(const at::RecordFunction& fn) {
  auto schema = fn.operator_schema();
  if (!schema) return nullptr;
  auto* info = new OpInfo();  // kept for the process: keyed by a pointer into the registered schema
  // named as the Python dispatch mode names it (OpOverload.__name__): "mul.Tensor", "cat.default"
  {
    std::string n = schema->name();
    auto c = n.rfind("::");
    if (c != std::string::npos) n = n.substr(c + 2);
    info->name = n + "." + (schema->overload_name().empty() ? std::string("default") : schema->overload_name());
  }
  bool any_write = false;
  std::string short_name = schema->name();
  if (auto c = short_name.rfind("::"); c != std::string::npos) short_name = short_name.substr(c + 2);
  const bool overwrites = kOverwrite.count(short_name) != 0;
  for (const auto& a : schema->arguments()) {
    const c10::AliasInfo* ai = a.alias_info();
    bool w = ai != nullptr && ai->isWrite();
    any_write = any_write || w;
    if (!is_tensor_type(a.type())) {
      info->mode.push_back(0);
      continue;
    }
    // an out= argument is written only; an in-place self is read and written,
    // unless the op overwrites it (copy_, fill_, ...)
    info->mode.push_back(w ? (a.kwarg_only() || overwrites ? kWrite : kReadWrite) : kRead);
  }
  bool aliased_return = false;
  for (const auto& r : schema->returns()) {
    info->fresh.push_back(r.alias_info() == nullptr ? 1 : 0);
    aliased_return = aliased_return || r.alias_info() != nullptr;
  }
  bool is_view = !any_write && aliased_return;
  std::string base = schema->name();
  auto colons = base.rfind("::");
  if (colons != std::string::npos) base = base.substr(colons + 2);
  bool composite = false;
  auto op = c10::Dispatcher::singleton().findSchema(schema->operator_name());
  if (op && op->hasKernelForDispatchKey(c10::DispatchKey::CompositeImplicitAutograd) &&
      !op->hasKernelForDispatchKey(g_backend_key))
    composite = true;
  info->touches = !is_view && !composite && kNoData.count(base) == 0;
  return info;
}

// Per thread: op overload -> info. The key is the op's name pointer, which
// for an op points into its own registered schema (one per overload, stable
// while the op is registered). A record function named by a plain string
// (autograd's evaluate_function scopes) has no schema: never cached, since
// its name's memory is its own and reused.
struct OpCache {
  std::unordered_map<const void*, OpInfo*> map;
};

std::mutex g_infos_mu;  // taken once per op overload and thread (a cache miss), never per op
std::unordered_map<std::string, OpInfo*> g_infos;

OpInfo* info_for(const at::RecordFunction& fn) {
  // a pointer, not an object: ops may still run in other thread-local
  // destructors at thread exit, after an object here would be gone
  thread_local OpCache* cache = nullptr;
  if (cache == nullptr) cache = new OpCache();
  const void* key = fn.name();
  auto it = cache->map.find(key);
  if (it != cache->map.end()) return it->second;
  auto opname = fn.operator_name();
  if (!opname) return nullptr;
  OpInfo* info = nullptr;
  {
    std::string full = opname->name + "." + opname->overload_name;
    std::lock_guard<std::mutex> g(g_infos_mu);
    auto jt = g_infos.find(full);
    if (jt != g_infos.end()) {
      info = jt->second;
    } else {
      info = build_info(fn);
      g_infos[full] = info;
    }
  }
  cache->map.emplace(key, info);
  return info;
}

// ---- per thread: nesting, the Python site, captures ---------------------------

struct Access {
  uint64_t ptr, n, base;
  const char* op;
  int mode;
};

struct ThreadState {
  int depth = 0;      // record functions open on this thread
  int op_depth = 0;   // of which ops (with a schema)
  bool counted[kMaxDepth] = {};
  bool pushed[kMaxDepth] = {};
  TouchNesting<kMaxDepth> nest;  // only the outermost op that touches bytes is recorded
  uint32_t prev_site[kMaxDepth] = {};
  std::vector<Access>* capture = nullptr;  // set while this thread captures a CUDA graph
};
thread_local ThreadState T;

// Python code objects seen at the top of a thread's stack: plumbing or not,
// and the names a site needs. Each code object is kept alive (one reference)
// so its address is never another code object's. Touched with the GIL held.
struct CodeInfo {
  bool plumbing;
  std::string symbol, file;
};
std::unordered_map<PyObject*, CodeInfo> g_codes;

const CodeInfo* code_info(PyFrameObject* f) {
  PyObject* code = PyFrame_GetCode(f);  // new reference
  auto it = g_codes.find(code);
  if (it != g_codes.end()) {
    Py_DecRef(code);
    return &it->second;
  }
  CodeInfo ci{true, "", ""};
  if (g_classify) {
    PyObject* globals = PyObject_GetAttrString((PyObject*)f, "f_globals");
    PyObject* r = globals ? PyObject_CallFunctionObjArgs(g_classify, code, globals, nullptr) : nullptr;
    if (globals) Py_DecRef(globals);
    if (r != nullptr && PyTuple_Size(r) == 2) {  // else None: plumbing
      const char* sym = PyBytes_AsString(PyTuple_GetItem(r, 0));
      const char* file = sym ? PyBytes_AsString(PyTuple_GetItem(r, 1)) : nullptr;
      if (sym && file) {
        ci.plumbing = false;
        ci.symbol = sym;
        ci.file = file;
      }
    }
    if (r) Py_DecRef(r);
    PyErr_Clear();  // PyTuple_Size on None, a classifier that raised: plumbing, no error left set
  }
  // the map keeps the reference taken by PyFrame_GetCode
  return &g_codes.emplace(code, std::move(ci)).first->second;
}

// The program's innermost own frame, as a pushed site; false when the thread
// runs no Python (or only plumbing). Called for the outermost op of a thread.
// `*frameless`: the thread runs no Python frame at all (autograd's device
// threads have a thread state, made once for their hooks, but no frame).
bool push_python_site(uint32_t* prev, bool* frameless) {
  *frameless = true;
  if (!R.push_site || !Py_IsInitialized() || PyGILState_GetThisThreadState() == nullptr) return false;
  PyGILState_STATE g = PyGILState_Ensure();
  bool pushed = false;
  PyThreadState* ts = PyThreadState_Get();
  PyFrameObject* f = PyThreadState_GetFrame(ts);  // new reference or NULL
  *frameless = f == nullptr;
  int hops = 0;
  while (f != nullptr && hops++ < 64) {
    const CodeInfo* ci = code_info(f);
    if (!ci->plumbing) {
      *prev = R.push_site(ci->symbol.c_str(), ci->file.c_str(), (uint64_t)PyFrame_GetLineNumber(f));
      pushed = true;
      break;
    }
    PyFrameObject* back = PyFrame_GetBack(f);  // new reference or NULL
    Py_DecRef((PyObject*)f);
    f = back;
  }
  if (f) Py_DecRef((PyObject*)f);
  PyGILState_Release(g);
  return pushed;
}

// Ops on a thread that runs no Python frame (in a Python process, autograd's
// device threads, where backward runs): the fixed site "autograd engine", not
// the recorder's own code.
bool push_engine_site(uint32_t* prev) {
  if (!R.push_site || !Py_IsInitialized()) return false;
  *prev = R.push_site("autograd engine", "torch.autograd", 0);
  return true;
}

// ---- per op -------------------------------------------------------------------

inline bool on_device(const at::Tensor& t) {
  return t.defined() && t.device().type() == g_dev && t.layout() == c10::kStrided &&
         t.unsafeGetTensorImpl()->has_storage();
}

// (first byte, byte count) of a strided view inside its storage: its real
// extent, not its data pointer (negative strides included)
inline void extent(const at::Tensor& t, uint64_t* off, uint64_t* n) {
  int64_t es = (int64_t)t.element_size();
  int64_t lo = t.storage_offset(), hi = lo;
  if (t.is_contiguous()) {
    *off = (uint64_t)(lo * es);
    *n = (uint64_t)(t.numel() * es);
    return;
  }
  auto sizes = t.sizes();
  auto strides = t.strides();
  for (size_t i = 0; i < sizes.size(); i++) {
    if (sizes[i] == 0) {
      *off = (uint64_t)(lo * es);
      *n = 0;
      return;
    }
    if (strides[i] > 0)
      hi += (sizes[i] - 1) * strides[i];
    else
      lo += (sizes[i] - 1) * strides[i];
  }
  *off = (uint64_t)(lo * es);
  *n = (uint64_t)((hi - lo + 1) * es);
}

inline uint64_t storage_base(const at::Tensor& t) {
  return (uint64_t)(uintptr_t)t.storage().data();
}

// A stream's native handle (cudaStream_t) through the device's guard
// interface: getStreamNativeHandle, which torch 1.13 does not have yet. Such
// a torch gets no observer for a GPU device (install says so and the Python
// dispatch mode is used); CPU (the tests) names streams by id and needs none.
template <typename Impl, typename = void>
struct HasNativeHandle : std::false_type {};
template <typename Impl>
struct HasNativeHandle<Impl, std::void_t<decltype(std::declval<const Impl&>().getStreamNativeHandle(
                                 std::declval<c10::Stream>()))>> : std::true_type {};
constexpr bool kHaveNativeHandle = HasNativeHandle<c10::impl::DeviceGuardImplInterface>::value;

template <typename Impl>
inline uint64_t native_handle(const Impl* impl, c10::Stream s) {
  if constexpr (HasNativeHandle<Impl>::value)
    return (uint64_t)(uintptr_t)impl->getStreamNativeHandle(s);
  else
    return (uint64_t)s.id();  // not reached: install refuses a GPU device without it
}

inline uint64_t stream_of(const at::Tensor& t) {
  const auto* impl = c10::impl::getDeviceGuardImpl(g_dev);
  c10::Stream s = impl->getStream(t.device());
  if (g_stream_native) return native_handle(impl, s);
  return (uint64_t)s.id();
}

// Small per-op de-duplication (the same view passed twice: cat([x, x])).
struct Seen {
  uint64_t ptr[16], n[16];
  int mode[16];
  int k = 0;
  bool add(uint64_t p, uint64_t len, int m) {
    for (int i = 0; i < k; i++)
      if (ptr[i] == p && n[i] == len && mode[i] == m) return false;
    if (k < 16) {
      ptr[k] = p;
      n[k] = len;
      mode[k] = m;
      k++;
    }
    return true;
  }
};

struct Emitter {
  const OpInfo* info;
  uint64_t stream = 0;
  bool have_stream = false;
  Seen seen;

  void tensor(const at::Tensor& t, int mode) {
    if (!on_device(t)) return;
    uint64_t off, n;
    extent(t, &off, &n);
    if (n == 0) return;
    if (!have_stream) {
      stream = stream_of(t);
      have_stream = true;
    }
    uint64_t base = storage_base(t);
    if (!seen.add(base + off, n, mode)) return;
    if (T.capture) {
      T.capture->push_back({base + off, n, base, info->name.c_str(), mode});
      return;
    }
    R.tensor_access(base + off, n, base, stream, info->name.c_str(), mode);
    g_records.fetch_add(1, std::memory_order_relaxed);
  }

  void value(const c10::IValue& v, int mode) {
    if (v.isTensor()) {
      tensor(v.toTensor(), mode);
    } else if (v.isList()) {  // Tensor[], Tensor?[]
      for (const c10::IValue& x : v.toListRef())
        if (x.isTensor()) tensor(x.toTensor(), mode);
    }
  }
};

void block_alloc_seen(const at::Tensor& t);

std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction& fn) {
  // depth counts every op (on_end always runs), recording or not
  int d = T.depth++;
  if (d < kMaxDepth) {
    T.pushed[d] = T.counted[d] = false;
    T.nest.start(d);
  }
  if (!g_on.load(std::memory_order_relaxed) || d >= kMaxDepth) return nullptr;
  try {
    const OpInfo* info = info_for(fn);
    if (info == nullptr) return nullptr;
    g_ops.fetch_add(1, std::memory_order_relaxed);
    T.counted[d] = true;
    // the outermost op of the thread (not nested in another op: no torch
    // lock held, so taking the GIL back cannot deadlock) names the site
    if (T.op_depth++ == 0) {
      uint32_t prev = 0;
      bool frameless = false;
      if (push_python_site(&prev, &frameless) || (frameless && push_engine_site(&prev))) {
        T.pushed[d] = true;
        T.prev_site[d] = prev;
      }
    }
    // an op nested in another that touches bytes is not recorded (torch_hook_nesting.h)
    if (!info->touches || !T.nest.touches(d)) return nullptr;
    auto inputs = fn.inputs();
    Emitter e{info};
    size_t n = std::min(inputs.size(), info->mode.size());
    for (size_t i = 0; i < n; i++)
      if (info->mode[i]) e.value(inputs[i], info->mode[i]);
  } catch (const std::exception& ex) {
    fail("an op's inputs", ex.what());
  } catch (...) {
    fail("an op's inputs", "unknown exception");
  }
  return nullptr;
}

void on_end(const at::RecordFunction& fn, at::ObserverContext*) {
  int d = --T.depth;
  if (d < 0) {  // the observer came on inside this op: its start did not run
    T.depth = 0;
    return;
  }
  bool pushed = d < kMaxDepth && T.pushed[d];
  bool recorded = d < kMaxDepth && T.nest.end(d);
  if (d < kMaxDepth && T.counted[d]) {
    T.counted[d] = false;
    T.op_depth--;
  }
  if (g_on.load(std::memory_order_relaxed)) {
    try {
      const OpInfo* info = info_for(fn);
      if (info != nullptr) {
        const auto& outs = fn.outputs();
        Emitter e{info};
        for (size_t k = 0; k < outs.size(); k++) {
          bool fresh = k < info->fresh.size() ? info->fresh[k] : true;
          if (!fresh) continue;
          const c10::IValue& v = outs[k];
          if (v.isTensor()) {
            block_alloc_seen(v.toTensor());
          } else if (v.isList()) {
            for (const c10::IValue& x : v.toListRef())
              if (x.isTensor()) block_alloc_seen(x.toTensor());
          }
          if (recorded) e.value(v, kWrite);
        }
      }
    } catch (const std::exception& ex) {
      fail("an op's outputs", ex.what());
    } catch (...) {
      fail("an op's outputs", "unknown exception");
    }
  }
  if (pushed) {
    T.pushed[d] = false;
    if (R.pop_site) R.pop_site(T.prev_site[d]);
  }
}

// ---- caching-allocator blocks --------------------------------------------------
// torch's GPU trace callbacks name a block when it is handed out (pointer
// only) and when it is freed; its size comes from the first op output that
// lives in it. The allocation callback runs on the thread whose op allocates,
// so what is pending is per thread; a free may come from any thread.

thread_local std::unordered_map<uint64_t, uint64_t>* t_pending = nullptr;  // ptr -> stream at allocation
std::mutex g_alive_mu;  // per block allocation and free (not per op)
std::unordered_map<uint64_t, uint64_t> g_alive;  // ptr -> stream, once its alloc record is written

void block_alloc_seen(const at::Tensor& t) {
  if (t_pending == nullptr || t_pending->empty() || !on_device(t)) return;
  uint64_t base = storage_base(t);
  auto it = t_pending->find(base);
  if (it == t_pending->end()) return;
  uint64_t stream = it->second;
  t_pending->erase(it);
  if (R.alloc) R.alloc(base, (uint64_t)t.storage().nbytes(), stream, kMemTorchBlock);
  std::lock_guard<std::mutex> g(g_alive_mu);
  g_alive[base] = stream;
}

uint64_t current_stream_of_device() {
  const auto* impl = c10::impl::getDeviceGuardImpl(g_dev);
  c10::Device dev = impl->getDevice();
  c10::Stream s = impl->getStream(dev);
  if (g_stream_native) return native_handle(impl, s);
  return (uint64_t)s.id();
}

// ---- block lifetimes from the caching allocator's trace tracker ---------------
// The allocator calls its trackers for every block it hands out (ALLOC, with
// the block's address, size and stream) and every block the program drops
// (FREE_REQUESTED, with the stream the block was allocated on): one C++ call
// under the allocator's own lock, no Python, no GIL. Trackers attach to the
// devices the allocator has set up, so the layer attaches this once CUDA is
// initialized (torch.cuda._lazy_call).
// Per block: one record, nothing else (no lock, no map of live blocks): the
// entry itself carries the address, size and stream, and the analyzer pairs
// a free with the allocation before it at the same address. A block handed
// out before the attach has a free without an allocation, which the analyzer
// ignores. (The lock and map this replaces: 50-150 ns per allocation and free
// on the dev VM's CPU, beside 400-540 ns for their two records there.)

std::atomic<bool> g_life_on{false};
std::atomic<bool> g_life_attached{false};
std::atomic<uint64_t> g_life_allocs{0}, g_life_frees{0};

#if MPST_HAVE_TRACKER
// The entry's stream: a raw handle (cudaStream_t, or void* in torch 2.11's
// generic allocator), a c10::Stream, or a stream class of its own.
template <typename S>
inline uint64_t native_stream(const S& s) {
  if constexpr (std::is_pointer_v<S>) {
    return (uint64_t)(uintptr_t)s;
  } else if constexpr (std::is_same_v<S, c10::Stream>) {
    return native_handle(c10::impl::getDeviceGuardImpl(s.device_type()), s);
  } else {
    return (uint64_t)(uintptr_t)s.stream();
  }
}

template <typename Entry>
void on_trace_entry(const Entry& te) {
  // the other actions (segments, FREE_COMPLETED, OOM, snapshots) say nothing here
  if (te.action_ != Entry::Action::ALLOC && te.action_ != Entry::Action::FREE_REQUESTED) return;
  if (!g_life_on.load(std::memory_order_relaxed)) return;
  try {
    uint64_t ptr = (uint64_t)te.addr_, stream = native_stream(te.stream_);
    if (te.action_ == Entry::Action::ALLOC) {
      if (R.alloc) R.alloc(ptr, (uint64_t)te.size_, stream, kMemTorchBlock);
      g_life_allocs.fetch_add(1, std::memory_order_relaxed);
    } else {
      if (R.free_) R.free_(ptr, stream, kMemTorchBlock);
      g_life_frees.fetch_add(1, std::memory_order_relaxed);
    }
  } catch (...) {
    g_life_on.store(false);  // never into the allocator: lifetimes stop, the program goes on
  }
}
#endif

bool bind_recorder(int level, char* err, int errlen) {
  void* self = dlopen(nullptr, RTLD_NOW);
  R.tensor_access = (tensor_access_fn)dlsym(self, "mpstrace_impl_tensor_access");
  R.alloc = (alloc_fn)dlsym(self, "mpstrace_impl_alloc");
  R.free_ = (free_fn)dlsym(self, "mpstrace_impl_free");
  R.api_layer = (layer_fn)dlsym(self, "mpstrace_impl_api_layer");
  R.push_site = (push_fn)dlsym(self, "mpstrace_impl_push_site");
  R.pop_site = (pop_fn)dlsym(self, "mpstrace_impl_pop_site");
  if (!R.tensor_access || !R.api_layer) {
    snprintf(err, errlen, "no recorder in this process (mpstrace_impl_tensor_access not found)");
    return false;
  }
  g_level = level;
  return true;
}

}  // namespace

#define MPST_EXPORT __attribute__((visibility("default")))

extern "C" {

// Binds the recorder and adds the observer. device_type: c10::DeviceType
// (1 CUDA; 0 CPU for the tests on a CPU torch); classify(code, globals) ->
// None or (symbol, file) names a Python frame. Returns 0, or -1 with `err`
// filled in.
MPST_EXPORT int mpst_torch_hook_install(int device_type, int level, PyObject* classify, char* err, int errlen) {
  try {
    c10::DeviceType dev = (c10::DeviceType)device_type;
    // no probe: a CUDA call here would initialize CUDA while torch is imported.
    // CPU (tests) has no native stream: its stream id stands in
    bool native = dev != c10::DeviceType::CPU;
    if (native && !kHaveNativeHandle) {
      snprintf(err, errlen, "this torch's device guard has no getStreamNativeHandle (torch 1.x): no stream handles");
      return -1;
    }
    if (!bind_recorder(level, err, errlen)) return -1;
    g_dev = dev;
    g_stream_native = native;
    // {}: no dtype (std::optional in torch 2.x, c10::optional in 1.x)
    g_backend_key = c10::computeDispatchKey({}, c10::kStrided, c10::Device(g_dev));
    if (classify != nullptr) {  // kept for the process
      Py_IncRef(classify);
      g_classify = classify;
    }
    if (g_handle == 0) {
      g_handle = at::addGlobalCallback(at::RecordFunctionCallback(on_start, on_end)
                                           .needsInputs(true)
                                           .needsOutputs(true)
                                           .scopes({at::RecordScope::FUNCTION}));
    }
    g_on.store(true);
    return 0;
  } catch (const std::exception& ex) {
    snprintf(err, errlen, "%s", ex.what());
  } catch (...) {
    snprintf(err, errlen, "unknown exception");
  }
  return -1;
}

// Switches the observer off for good (interpreter exit, tests).
MPST_EXPORT void mpst_torch_hook_remove(void) {
  g_on.store(false);
  if (g_handle != 0) {
    at::removeCallback(g_handle);
    g_handle = 0;
  }
}

// Pauses or resumes recording (the bench's in-process A/B; the layer's off switch).
// Off also takes the observer out of torch's callback list, so ops go back to
// the dispatcher's fast path (no boxing) while it is off.
MPST_EXPORT void mpst_torch_hook_set_active(int on) {
  if (g_failed.load() || g_handle == 0) return;
  bool want = on != 0;
  if (g_on.exchange(want) == want) return;
  if (want)
    at::reenableCallback(g_handle);
  else
    at::disableCallback(g_handle);
}

MPST_EXPORT int mpst_torch_hook_failed(void) { return g_failed.load() ? 1 : 0; }
MPST_EXPORT uint64_t mpst_torch_hook_ops(void) { return g_ops.load(); }
MPST_EXPORT uint64_t mpst_torch_hook_records(void) { return g_records.load(); }

// torch GPU trace callbacks (registered as ctypes functions: no Python frame per block)
MPST_EXPORT void mpst_torch_block_alloc(uint64_t ptr) {
  if (!g_on.load(std::memory_order_relaxed)) return;
  try {
    if (t_pending == nullptr) t_pending = new std::unordered_map<uint64_t, uint64_t>();
    (*t_pending)[ptr] = current_stream_of_device();
  } catch (const std::exception& ex) {
    fail("allocation callback", ex.what());
  }
}

MPST_EXPORT void mpst_torch_block_free(uint64_t ptr) {
  if (!g_on.load(std::memory_order_relaxed)) return;
  if (t_pending != nullptr) t_pending->erase(ptr);
  uint64_t stream;
  {
    std::lock_guard<std::mutex> g(g_alive_mu);
    auto it = g_alive.find(ptr);
    if (it == g_alive.end()) return;  // blocks never sized by an op have no alloc record
    stream = it->second;
    g_alive.erase(it);
  }
  if (R.free_) R.free_(ptr, stream, kMemTorchBlock);
}

// Block lifetimes without the op observer (level api) or beside it (full):
// 1 when this build has the allocator's trace tracker (CUDA headers found).
MPST_EXPORT int mpst_torch_lifetimes_available(void) { return MPST_HAVE_TRACKER; }

// Attaches the trace tracker to the CUDA caching allocator's devices (call it
// once CUDA is initialized). Returns 0, or -1 with `err` filled in.
MPST_EXPORT int mpst_torch_lifetimes_attach(int level, char* err, int errlen) {
#if MPST_HAVE_TRACKER
  try {
    if (R.api_layer == nullptr && !bind_recorder(level, err, errlen)) return -1;
    if (!R.alloc || !R.free_) {
      snprintf(err, errlen, "the recorder has no alloc/free entry points");
      return -1;
    }
    if (g_life_attached.exchange(true)) return 0;
    g_life_on.store(true);
    c10::cuda::CUDACachingAllocator::attachAllocatorTraceTracker([](const auto& te) { on_trace_entry(te); });
    return 0;
  } catch (const std::exception& ex) {
    g_life_on.store(false);
    snprintf(err, errlen, "%s", ex.what());
  } catch (...) {
    g_life_on.store(false);
    snprintf(err, errlen, "unknown exception");
  }
  return -1;
#else
  (void)level;
  snprintf(err, errlen, "built without CUDA's headers: no caching-allocator trace tracker");
  return -1;
#endif
}

// Pauses or resumes the lifetimes (the bench's in-process A/B, interpreter exit).
MPST_EXPORT void mpst_torch_lifetimes_set_active(int on) {
  if (g_life_attached.load()) g_life_on.store(on != 0);
}
MPST_EXPORT uint64_t mpst_torch_lifetimes_allocs(void) { return g_life_allocs.load(); }
MPST_EXPORT uint64_t mpst_torch_lifetimes_frees(void) { return g_life_frees.load(); }

// CUDA graphs: accesses of ops captured on this thread are kept, not
// written; a replay writes them on the stream it is replayed on.
MPST_EXPORT void mpst_torch_capture_begin(void) {
  if (T.capture == nullptr) T.capture = new std::vector<Access>();
}

MPST_EXPORT void* mpst_torch_capture_end(void) {
  void* c = T.capture;
  T.capture = nullptr;
  return c;
}

MPST_EXPORT void mpst_torch_replay(void* capture, uint64_t stream) {
  if (capture == nullptr || !g_on.load()) return;
  for (const Access& a : *(std::vector<Access>*)capture) R.tensor_access(a.ptr, a.n, a.base, stream, a.op, a.mode);
}

MPST_EXPORT void mpst_torch_capture_free(void* capture) { delete (std::vector<Access>*)capture; }

}  // extern "C"
