"""A small stream-pool runtime modelled on the MPS stream pool of the audit.

Pure Python: every GPU call goes through a `backend` object (cuda_backend.py
on the GPU machine, a fake in the unit test), and every decision the runtime
makes is declared through the mpstrace annotation API exactly where the MPS
runtime would declare it. `fixed=False` reproduces the audited bugs:

  1. synchronize_device() syncs only the caller's current stream;
  2. record()/block() ignore the stream argument and use the current stream;
  3. set_current() does not take the slot out of the free list, and the
     thread-exit hook releases whatever slot is current, acquired or not;
  4. elapsed_time() waits for the end event before checking timing is on;
  5. a stream's previous command batch is not released when it is destroyed;
  6. get_stream_from_pool() hands out a raw stream that is never released.

`fixed=True` is the corrected twin of each.
"""
import threading
import time


class PoolExhausted(RuntimeError):
    pass


class SlotBusy(RuntimeError):
    pass


class BackendError(RuntimeError):
    def __init__(self, api, code, name=""):
        super().__init__("%s failed: error %d %s" % (api, code, name))
        self.api, self.code, self.name = api, code, name


class Batch:
    """A stream's command batch: device workspace + completion event (a stand-in for an MTLCommandBuffer)."""

    def __init__(self, workspace, ptr, nbytes, event):
        self.workspace, self.ptr, self.nbytes, self.event = workspace, ptr, nbytes, event


class PooledStream:
    """RAII handle from the fixed get_stream_from_pool(): releases its slot on close/exit."""

    def __init__(self, pool, slot):
        self.pool, self.slot, self.stream = pool, slot, pool.streams[slot]
        self._open = True

    def close(self):
        if self._open:
            self._open = False
            self.pool.release(self.slot)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class StreamPool:
    """Slot 0 is the main thread's default stream; worker slots 1..size-1 start in the free list."""

    def __init__(self, backend, ann, size=8, fixed=False, name="pool", annotate_slots=True):
        if size < 2:
            raise ValueError("a pool needs at least 2 slots")
        self.backend, self.ann, self.fixed, self.name = backend, ann, fixed, name
        self.annotate_slots = annotate_slots
        self.streams = [backend.new_stream() for _ in range(size)]
        self.free = list(range(1, size))
        self.owners = {i: [] for i in range(size)}  # slot -> thread idents holding it (bookkeeping for the log)
        self.cv = threading.Condition()
        self.tls = threading.local()
        self.main_ident = threading.get_ident()
        self.cur_batch = {}   # slot -> Batch being filled
        self.prev_batch = {}  # slot -> Batch kept after flush (commit-and-continue disabled)
        self.destroyed = False
        self.double_owned = 0  # times a slot got a second live owner
        self.exhausted = 0     # acquires that found the pool empty
        self.waited_ns = 0

    # -- helpers --------------------------------------------------------
    def handle(self, slot):
        return self.backend.handle(self.streams[slot])

    def _owner_add(self, slot):
        me = threading.get_ident()
        if any(o != me for o in self.owners[slot]):
            self.double_owned += 1
        self.owners[slot].append(me)

    def _owner_drop(self, slot):
        me = threading.get_ident()
        if me in self.owners[slot]:
            self.owners[slot].remove(me)
            return True
        return False

    def _owned(self):
        if not hasattr(self.tls, "owned"):
            self.tls.owned = []
        return self.tls.owned

    # -- slots ----------------------------------------------------------
    def acquire(self, timeout=0.2):
        """Take the lowest free slot, waiting up to `timeout` s for one."""
        t0 = time.perf_counter_ns()
        waited = False
        with self.cv:
            if not self.free:
                waited = True
                self.exhausted += 1
                self.ann.marker("%s: pool empty, waiting" % self.name)
                self.cv.wait_for(lambda: bool(self.free), timeout)
                if not self.free:
                    self.ann.marker("%s: pool exhausted" % self.name)
                    raise PoolExhausted("%s: no free stream slot after %.0f ms" % (self.name, timeout * 1e3))
            slot = min(self.free)
            self.free.remove(slot)
            self._owner_add(slot)
            wait_ns = time.perf_counter_ns() - t0 if waited else 0
            self.waited_ns += wait_ns
            if self.annotate_slots:
                self.ann.slot_acquire(slot, self.handle(slot), len(self.free), wait_ns)
        self._owned().append(slot)
        return slot

    def release(self, slot, at_thread_exit=False):
        with self.cv:
            mine = self._owner_drop(slot)
            if self.fixed and not mine:
                raise SlotBusy("%s: slot %d released by a thread that does not own it" % (self.name, slot))
            if slot not in self.free:
                self.free.append(slot)
            if self.annotate_slots:
                self.ann.slot_release(slot, self.handle(slot), len(self.free), at_thread_exit)
            self.cv.notify_all()
        owned = self._owned()
        if slot in owned:
            owned.remove(slot)

    def current_slot(self):
        slot = getattr(self.tls, "slot", None)
        if slot is None:
            if threading.get_ident() == self.main_ident:
                slot = 0
            else:  # like getCurrentMPSStream(): a new worker thread takes a slot lazily
                slot = self.acquire()
            self.tls.slot = slot
            self.backend.set_current(self.streams[slot])
        return slot

    def current_stream(self):
        return self.streams[self.current_slot()]

    def set_current(self, slot):
        """setCurrentMPSStream(): buggy = TLS only; fixed = take ownership first."""
        prev = getattr(self.tls, "slot", None)
        if self.fixed and slot != 0 and slot not in self._owned():
            with self.cv:
                if slot not in self.free:
                    raise SlotBusy("%s: slot %d is owned by another thread" % (self.name, slot))
                self.free.remove(slot)
                self._owner_add(slot)
                if self.annotate_slots:
                    self.ann.slot_acquire(slot, self.handle(slot), len(self.free), 0)
            self._owned().append(slot)
        self.tls.slot = slot
        self.backend.set_current(self.streams[slot])
        if self.annotate_slots:
            self.ann.slot_set_current(slot, self.handle(slot), -1 if prev is None else prev)

    def thread_exit(self):
        """What the TLS destructor does when a worker thread ends."""
        if self.fixed:
            for slot in list(self._owned()):
                self.release(slot, at_thread_exit=True)
        else:  # releases the current slot whether or not this thread acquired it
            slot = getattr(self.tls, "slot", None)
            if slot is not None and slot != 0:
                self.release(slot, at_thread_exit=True)
        self.tls.slot = None

    def get_stream_from_pool(self):
        """buggy: a raw stream whose slot nobody releases; fixed: an RAII PooledStream."""
        slot = self.acquire()
        if self.fixed:
            return PooledStream(self, slot)
        owned = self._owned()
        if slot in owned:
            owned.remove(slot)  # not tied to TLS: thread_exit() will not release it either
        return self.streams[slot]

    # -- synchronization ------------------------------------------------
    def synchronize_device(self, name="synchronizeDevice"):
        self.ann.device_sync_begin(name)
        try:
            if self.fixed:
                for s in self.streams:
                    self.backend.sync_stream(s)
            else:
                self.backend.sync_stream(self.current_stream())
        finally:
            self.ann.device_sync_end(name)

    def record(self, event, stream):
        """Guard record(event, stream): the caller asks for `stream`."""
        self.ann.intent_record(self.backend.event_handle(event), self.backend.handle(stream))
        self.backend.record(event, stream if self.fixed else self.current_stream())

    def block(self, event, stream):
        """Guard block(event, stream): `stream` should wait for the event."""
        self.ann.intent_wait(self.backend.event_handle(event), self.backend.handle(stream))
        self.backend.wait(event, stream if self.fixed else self.current_stream())

    def elapsed_time(self, start, end):
        """ms between two recorded events."""
        if self.fixed and not (self.backend.event_timing(start) and self.backend.event_timing(end)):
            raise ValueError("elapsed_time needs events created with timing enabled")
        self.backend.event_sync(end)  # the buggy order waits before checking timing
        return self.backend.elapsed_ms(start, end)

    # -- command batches (retained-buffer scenario) ----------------------
    def batch(self, slot, nbytes):
        """The slot's current command batch, created on first use."""
        b = self.cur_batch.get(slot)
        if b is None:
            stream = self.streams[slot]
            ws, ptr = self.backend.alloc(nbytes, stream)
            b = Batch(ws, ptr, nbytes, self.backend.new_event(False))
            self.ann.object_create(ptr, self.handle(slot), nbytes, "command_buffer")
            self.cur_batch[slot] = b
        return b

    def flush(self, slot):
        """Commit the current batch; with commit-and-continue off the previous one is kept."""
        b = self.cur_batch.pop(slot, None)
        if b is None:
            return
        self.backend.record(b.event, self.streams[slot])
        old = self.prev_batch.get(slot)
        if old is not None:
            self._release_batch(old)
        self.prev_batch[slot] = b

    def _release_batch(self, b):
        self.backend.event_sync(b.event)
        self.backend.destroy_event(b.event)
        self.ann.object_destroy(b.ptr, "command_buffer")
        self.backend.free(b.workspace)
        b.workspace = None  # the last reference: the memory goes back to the allocator

    def destroy(self, retained_sink=None):
        """Tear the pool down (~MPSStream for every stream)."""
        for slot in range(len(self.streams)):
            self.flush(slot)
        for slot, s in enumerate(self.streams):
            self.backend.sync_stream(s)
            b = self.prev_batch.pop(slot, None)
            if b is not None:
                if self.fixed:
                    self._release_batch(b)
                elif retained_sink is not None:
                    retained_sink.append(b)  # nobody releases it: it lives until process exit
            self.backend.destroy_stream(s)
        self.destroyed = True
