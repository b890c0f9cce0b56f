/*
 * What the Metal recorder knows about live objects, keyed by pointer:
 * queues (streams), root command buffers, MPSCommandBuffer wrappers and
 * shared events. Entries are removed on dealloc because Metal reuses
 * addresses. One mutex: Metal calls are thousands per second, not millions.
 */
#ifndef MPSTM_REGISTRY_H
#define MPSTM_REGISTRY_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum mpstm_obj_kind {
  MPSTM_OBJ_NONE = 0,
  MPSTM_OBJ_QUEUE = 1,
  MPSTM_OBJ_ROOT_CB = 2,
  MPSTM_OBJ_WRAPPER_CB = 3,
  MPSTM_OBJ_EVENT = 4,
};

/* Root command buffer flags. */
#define MPSTM_CB_COMMITTED 0x1u /* a cb_commit was written (claimed by one commit hook) */
#define MPSTM_CB_HANDLER 0x2u /* our completed handler was added */
#define MPSTM_CB_READY 0x4u /* the claiming hook is done adding: commits may go to Metal */
/* Queue flags. */
#define MPSTM_Q_ANNOUNCED 0x10u /* stream_create was written (first use, not creation) */

/* Slot numbers the recorder infers for a stream queue whose PyTorch stream id
 * it was never told: recorder-local, never a PyTorch number. */
#define MPSTM_LOCAL_SLOT_BASE 0x80000000u

typedef struct mpstm_obj {
  uint64_t ptr;
  uint8_t kind; /* enum mpstm_obj_kind */
  uint32_t flags;
  uint32_t corr; /* root cb: joins cb_create / cb_commit / complete */
  uint64_t queue; /* cb/wrapper: owning queue (the stream handle) */
  uint64_t root; /* wrapper: current root command buffer; queue: the device that made it */
  int32_t serial; /* queue: recorder-local number of a "metal gpu stream" queue, -1 unpaired */
  int32_t ordinal; /* queue: PyTorch stream id, only when observed (mpstm_reg_bind_ordinal), -1 unknown */
} mpstm_obj;

/* Copies the entry for ptr into *out; returns 0 when unknown. */
int mpstm_reg_get(uint64_t ptr, mpstm_obj *out);
/* Inserts or replaces the entry (by o->ptr). */
void mpstm_reg_put(const mpstm_obj *o);
/* Removes ptr; copies the old entry into *out when given; returns 0 when unknown. */
int mpstm_reg_remove(uint64_t ptr, mpstm_obj *out);
/* Sets `flag` on a root cb entry; returns the flags it had before, or
 * 0xFFFFFFFF when ptr is unknown. Atomic test-and-set under the lock. */
uint32_t mpstm_reg_set_flag(uint64_t ptr, uint32_t flag);

/* Queues: registers a queue (made by `device`, 0 when unknown); returns the
 * entry, existing or new. */
mpstm_obj mpstm_reg_add_queue(uint64_t queue, uint64_t device);
/* Pairs a "metal gpu stream" dispatch queue with the queue most recently
 * created by this thread (MPSStream's constructor makes both, in that order)
 * and gives it the next recorder-local serial. Returns the serial, or -1 when
 * this thread created no unpaired queue. Creation order says nothing about
 * PyTorch's stream ids (a pool may be built before the default stream, and
 * MPSGuardImpl builds throwaway streams), so no id is derived from it. */
int32_t mpstm_reg_pair_dispatch_queue(uint64_t dispatch_queue);
/* Remembers the last queue created on this thread (for the pairing above). */
void mpstm_reg_note_thread_queue(uint64_t queue);
/* 1 when `queue` is known to be PyTorch's default stream (bound to id 0). */
int mpstm_reg_is_default_queue(const mpstm_obj *q);

/* Binds PyTorch stream id `ordinal` to `queue` (an observation: the caller
 * saw that stream's work reach this queue). Refused (returns 0) when the
 * queue is unknown or not a stream queue, or the id is bound to another live
 * queue. */
int mpstm_reg_bind_ordinal(uint64_t queue, int32_t ordinal);
/* The queue bound to PyTorch stream `ordinal`, or 0. */
uint64_t mpstm_reg_queue_of_ordinal(int32_t ordinal);

/* Bumped by every change; lets a thread cache a lookup until the next one. */
uint32_t mpstm_reg_generation(void);

/* Drops everything (tests). */
void mpstm_reg_reset(void);
int mpstm_reg_count(void);

#ifdef __cplusplus
}
#endif
#endif
