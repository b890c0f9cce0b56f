// Fixture cases of incomplete-device-sync (see ../fixtureTrace.ts); expected findings in fixtures/.
import { type DetectorCase, MS, A, B, T } from '../fixtureTrace.js';

export const CASES: DetectorCase[] = [
  {
    rule: 'incomplete-device-sync',
    name: 'late-completion',
    expectKinds: ['late-completion'],
    build() {
      // The annotated device sync waits only on the current stream A while B's kernel runs on.
      const t = new T();
      const s = t.site('at::mps::MPSGuardImpl::synchronizeDevice', '/usr/lib/libtorch_mps.so');
      t.kernel(1, B, 1 * MS, 1.1 * MS, 10 * MS, 'long_b');
      t.kernel(1, A, 2 * MS, 2.1 * MS, 1 * MS, 'short_a');
      t.rec(1, 'intent_device_sync_begin', 3 * MS, { name: 'synchronizeDevice' }, s);
      t.sync(1, 'stream', A, 3.01 * MS, 3.2 * MS, 'cudaStreamSynchronize');
      t.rec(1, 'intent_device_sync_end', 3.3 * MS, { name: 'synchronizeDevice' }, s);
      return t.end(20 * MS);
    },
  },
  {
    rule: 'incomplete-device-sync',
    name: 'partial-sync',
    expectKinds: ['partial-sync'],
    build() {
      // B's work was pending when the sync began and was never waited on; it finished in time by luck.
      const t = new T();
      const s = t.site('synchronizeDevice', '/usr/lib/libtorch_mps.so');
      t.kernel(1, B, 1 * MS, 1.1 * MS, 2.5 * MS);
      t.kernel(1, A, 2 * MS, 2.1 * MS, 1 * MS);
      t.rec(1, 'intent_device_sync_begin', 3 * MS, { name: 'synchronizeDevice' }, s);
      t.sync(1, 'stream', A, 3.01 * MS, 3.2 * MS, 'cudaStreamSynchronize');
      t.rec(1, 'intent_device_sync_end', 4 * MS, { name: 'synchronizeDevice' }, s);
      return t.end(20 * MS);
    },
  },
  {
    rule: 'incomplete-device-sync',
    name: 'contract-late',
    expectKinds: ['late-completion'],
    build() {
      // cudaDeviceSynchronize is device-wide by contract: work finishing after it returned is wrong.
      const t = new T();
      t.kernel(2, B, 1 * MS, 1.1 * MS, 10 * MS);
      t.sync(1, 'device', 0, 2 * MS, 3 * MS, 'cudaDeviceSynchronize');
      return t.end(20 * MS);
    },
  },
  {
    rule: 'incomplete-device-sync',
    name: 'clean',
    expectKinds: [],
    build() {
      const t = new T();
      t.kernel(1, B, 1 * MS, 1.1 * MS, 2.5 * MS);
      t.kernel(1, A, 2 * MS, 2.1 * MS, 1 * MS);
      t.rec(1, 'intent_device_sync_begin', 3 * MS, { name: 'synchronizeDevice' });
      t.sync(1, 'stream', A, 3.01 * MS, 3.2 * MS, 'cudaStreamSynchronize');
      t.sync(1, 'stream', B, 3.21 * MS, 3.7 * MS, 'cudaStreamSynchronize');
      t.rec(1, 'intent_device_sync_end', 3.8 * MS, { name: 'synchronizeDevice' });
      t.kernel(1, A, 5 * MS, 5.1 * MS, 1 * MS);
      t.sync(1, 'device', 0, 6 * MS, 6.2 * MS, 'cudaDeviceSynchronize');
      // Work submitted after a sync began is not its business.
      t.kernel(2, B, 7.05 * MS, 7.1 * MS, 5 * MS);
      t.sync(1, 'device', 0, 7 * MS, 7.01 * MS, 'cudaDeviceSynchronize');
      return t.end(20 * MS);
    },
  },
  {
    rule: 'incomplete-device-sync',
    name: 'torch-api-late',
    expectKinds: ['late-completion'],
    build() {
      // torch.cuda.synchronize() as the PyTorch layer saw it, while the runtime below
      // waited on the current stream A only: B's kernel runs on after it returned.
      const t = new T();
      const s = t.site('main:12', '/app/train.py', 0);
      t.kernel(1, B, 1 * MS, 1.1 * MS, 10 * MS, 'long_b');
      t.kernel(1, A, 2 * MS, 2.1 * MS, 1 * MS, 'short_a');
      t.rec(1, 'api_sync_begin', 3 * MS, { target: 0, scope: 'device', api: 'torch.cuda.synchronize' }, s);
      t.sync(1, 'stream', A, 3.01 * MS, 3.2 * MS, 'cudaStreamSynchronize', s);
      t.rec(1, 'api_sync_end', 3.3 * MS, { target: 0, scope: 'device', api: 'torch.cuda.synchronize', result: 0 }, s);
      return t.end(20 * MS);
    },
  },
  {
    rule: 'incomplete-device-sync',
    name: 'annotation-and-torch-once',
    expectKinds: ['late-completion'],
    build() {
      // An annotated runtime's device sync calls torch.cuda.synchronize: both declare one
      // operation, so one finding (the annotation's).
      const t = new T();
      t.kernel(1, B, 1 * MS, 1.1 * MS, 10 * MS, 'long_b');
      t.rec(1, 'intent_device_sync_begin', 3 * MS, { name: 'pool.synchronize_all' });
      t.rec(1, 'api_sync_begin', 3.001 * MS, { target: 0, scope: 'device', api: 'torch.cuda.synchronize' });
      t.sync(1, 'stream', A, 3.01 * MS, 3.2 * MS, 'cudaStreamSynchronize');
      t.rec(1, 'api_sync_end', 3.29 * MS, { target: 0, scope: 'device', api: 'torch.cuda.synchronize', result: 0 });
      t.rec(1, 'intent_device_sync_end', 3.3 * MS, { name: 'pool.synchronize_all' });
      return t.end(20 * MS);
    },
  },
  {
    rule: 'incomplete-device-sync',
    name: 'torch-api-clean',
    expectKinds: [],
    build() {
      // torch.cuda.synchronize over a real cudaDeviceSynchronize; a stream sync (scope stream) is not device intent.
      const t = new T();
      t.kernel(1, B, 1 * MS, 1.1 * MS, 2 * MS);
      t.kernel(1, A, 2 * MS, 2.1 * MS, 1 * MS);
      t.rec(1, 'api_sync_begin', 3 * MS, { target: 0, scope: 'device', api: 'torch.cuda.synchronize' });
      t.sync(1, 'device', 0, 3.01 * MS, 3.2 * MS, 'cudaDeviceSynchronize');
      t.rec(1, 'api_sync_end', 3.3 * MS, { target: 0, scope: 'device', api: 'torch.cuda.synchronize', result: 0 });
      t.kernel(1, B, 4 * MS, 4.1 * MS, 5 * MS);
      t.kernel(1, A, 4.2 * MS, 4.3 * MS, 0.1 * MS);
      t.rec(1, 'api_sync_begin', 5 * MS, { target: A, scope: 'stream', api: 'torch.cuda.Stream.synchronize' });
      t.sync(1, 'stream', A, 5.01 * MS, 5.2 * MS, 'cudaStreamSynchronize');
      t.rec(1, 'api_sync_end', 5.3 * MS, { target: A, scope: 'stream', api: 'torch.cuda.Stream.synchronize', result: 0 });
      return t.end(20 * MS);
    },
  },
];
