/* Pointer-keyed object registry; see mpstm_registry.h. */
#include "mpstm_registry.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Linear probing with backward-shift deletion, so no tombstones pile up as
 * command buffers come and go. Grows by doubling at 50% load. */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static mpstm_obj *g_slots;
static uint32_t g_cap, g_count;
static int32_t g_next_serial;
static __thread uint64_t t_last_queue;
static uint32_t g_gen; /* written under g_lock, read with an atomic load */

uint32_t mpstm_reg_generation(void) { return __atomic_load_n(&g_gen, __ATOMIC_ACQUIRE); }
static void bump(void) { __atomic_store_n(&g_gen, g_gen + 1, __ATOMIC_RELEASE); }

static uint32_t hash_ptr(uint64_t p) {
  p ^= p >> 33;
  p *= 0xff51afd7ed558ccdull;
  p ^= p >> 33;
  return (uint32_t)p;
}

static mpstm_obj *lookup(uint64_t ptr) {
  if (!g_cap) return 0;
  for (uint32_t i = hash_ptr(ptr) & (g_cap - 1);; i = (i + 1) & (g_cap - 1)) {
    if (g_slots[i].ptr == ptr) return &g_slots[i];
    if (g_slots[i].ptr == 0) return 0;
  }
}

static int grow(void) {
  uint32_t cap = g_cap ? g_cap * 2 : 1024;
  mpstm_obj *slots = calloc(cap, sizeof *slots);
  if (!slots) return 0;
  for (uint32_t k = 0; k < g_cap; k++) {
    if (!g_slots[k].ptr) continue;
    uint32_t i = hash_ptr(g_slots[k].ptr) & (cap - 1);
    while (slots[i].ptr) i = (i + 1) & (cap - 1);
    slots[i] = g_slots[k];
  }
  free(g_slots);
  g_slots = slots;
  g_cap = cap;
  return 1;
}

static void put_locked(const mpstm_obj *o) {
  bump();
  mpstm_obj *e = lookup(o->ptr);
  if (e) {
    *e = *o;
    return;
  }
  if ((g_count + 1) * 2 > g_cap && !grow()) return; /* out of memory: forget it */
  uint32_t i = hash_ptr(o->ptr) & (g_cap - 1);
  while (g_slots[i].ptr) i = (i + 1) & (g_cap - 1);
  g_slots[i] = *o;
  g_count++;
}

int mpstm_reg_get(uint64_t ptr, mpstm_obj *out) {
  if (!ptr) return 0;
  pthread_mutex_lock(&g_lock);
  mpstm_obj *e = lookup(ptr);
  if (e && out) *out = *e;
  pthread_mutex_unlock(&g_lock);
  return e != 0;
}

void mpstm_reg_put(const mpstm_obj *o) {
  if (!o->ptr) return;
  pthread_mutex_lock(&g_lock);
  put_locked(o);
  pthread_mutex_unlock(&g_lock);
}

int mpstm_reg_remove(uint64_t ptr, mpstm_obj *out) {
  if (!ptr) return 0;
  pthread_mutex_lock(&g_lock);
  mpstm_obj *e = lookup(ptr);
  if (!e) {
    pthread_mutex_unlock(&g_lock);
    return 0;
  }
  if (out) *out = *e;
  bump();
  uint32_t i = (uint32_t)(e - g_slots);
  g_slots[i].ptr = 0;
  g_count--;
  /* Backward-shift: move later members of the probe run into the hole. */
  for (uint32_t j = (i + 1) & (g_cap - 1); g_slots[j].ptr; j = (j + 1) & (g_cap - 1)) {
    uint32_t home = hash_ptr(g_slots[j].ptr) & (g_cap - 1);
    int between = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
    if (between) continue;
    g_slots[i] = g_slots[j];
    g_slots[j].ptr = 0;
    i = j;
  }
  pthread_mutex_unlock(&g_lock);
  return 1;
}

uint32_t mpstm_reg_set_flag(uint64_t ptr, uint32_t flag) {
  pthread_mutex_lock(&g_lock);
  mpstm_obj *e = lookup(ptr);
  uint32_t before = e ? e->flags : 0xFFFFFFFFu;
  if (e) e->flags |= flag, bump();
  pthread_mutex_unlock(&g_lock);
  return before;
}

mpstm_obj mpstm_reg_add_queue(uint64_t queue, uint64_t device) {
  mpstm_obj q;
  memset(&q, 0, sizeof q);
  pthread_mutex_lock(&g_lock);
  mpstm_obj *e = lookup(queue);
  if (e && e->kind == MPSTM_OBJ_QUEUE) {
    if (!e->root && device) e->root = device;
    q = *e;
  } else {
    q.ptr = queue;
    q.kind = MPSTM_OBJ_QUEUE;
    q.root = device;
    q.serial = q.ordinal = -1;
    put_locked(&q);
  }
  pthread_mutex_unlock(&g_lock);
  return q;
}

void mpstm_reg_note_thread_queue(uint64_t queue) { t_last_queue = queue; }

int32_t mpstm_reg_pair_dispatch_queue(uint64_t dispatch_queue) {
  (void)dispatch_queue;
  uint64_t queue = t_last_queue;
  if (!queue) return -1;
  t_last_queue = 0; /* one dispatch queue per MTLCommandQueue (MPSStream's ctor) */
  int32_t serial = -1;
  pthread_mutex_lock(&g_lock);
  mpstm_obj *e = lookup(queue);
  if (e && e->kind == MPSTM_OBJ_QUEUE && e->serial < 0) serial = e->serial = g_next_serial++, bump();
  pthread_mutex_unlock(&g_lock);
  return serial;
}

int mpstm_reg_is_default_queue(const mpstm_obj *q) { return q->ordinal == 0; }

static mpstm_obj *queue_of_ordinal_locked(int32_t ordinal) {
  for (uint32_t i = 0; i < g_cap; i++)
    if (g_slots[i].ptr && g_slots[i].kind == MPSTM_OBJ_QUEUE && g_slots[i].ordinal == ordinal) return &g_slots[i];
  return 0;
}

int mpstm_reg_bind_ordinal(uint64_t queue, int32_t ordinal) {
  if (!queue || ordinal < 0) return 0;
  int ok = 0;
  pthread_mutex_lock(&g_lock);
  mpstm_obj *e = lookup(queue);
  mpstm_obj *holder = queue_of_ordinal_locked(ordinal);
  if (e && e->kind == MPSTM_OBJ_QUEUE && e->serial >= 0 && (!holder || holder == e) && (e->ordinal < 0 || e->ordinal == ordinal)) {
    e->ordinal = ordinal;
    bump();
    ok = 1;
  }
  pthread_mutex_unlock(&g_lock);
  return ok;
}

uint64_t mpstm_reg_queue_of_ordinal(int32_t ordinal) {
  if (ordinal < 0) return 0;
  pthread_mutex_lock(&g_lock);
  mpstm_obj *e = queue_of_ordinal_locked(ordinal);
  uint64_t q = e ? e->ptr : 0;
  pthread_mutex_unlock(&g_lock);
  return q;
}

void mpstm_reg_reset(void) {
  pthread_mutex_lock(&g_lock);
  free(g_slots);
  g_slots = 0;
  g_cap = g_count = 0;
  g_next_serial = 0;
  bump();
  pthread_mutex_unlock(&g_lock);
  t_last_queue = 0;
}

int mpstm_reg_count(void) {
  pthread_mutex_lock(&g_lock);
  int n = (int)g_count;
  pthread_mutex_unlock(&g_lock);
  return n;
}
