/* Atomics through the __atomic builtins: GCC's Objective-C front end does
 * not implement C11 _Atomic, and clang accepts these builtins too. */
#ifndef MPSTM_ATOMIC_H
#define MPSTM_ATOMIC_H
#define mpstm_load(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define mpstm_load_acq(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define mpstm_load_rlx(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define mpstm_store(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)
#define mpstm_store_rel(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define mpstm_store_rlx(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define mpstm_add(p, v) __atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST)
#define mpstm_sub(p, v) __atomic_fetch_sub((p), (v), __ATOMIC_SEQ_CST)
#endif
