import type { SyncEngineOptions } from '../../sync/engine/create-engine.js';

/** Small batches and short intervals: tests cross batch boundaries and finish quickly. */
export const FAST_TUNABLES: SyncEngineOptions['tunables'] = {
  batchSize: 50,
  pullBatchSize: 50,
  pushIntervalMs: 50,
  maxAwaitTimeMs: 200,
  pullPollMs: 100,
  // Not slowed when quiet: a test's next change would wait up to a second for it.
  pullIdlePollMs: 100,
  capturePollMs: 50,
  idleTokenSaveMs: 500,
  heartbeatMs: 1_000,
  offlineAfterMs: 300,
  tombstoneGcEveryBeats: 1,
  backoff: { initialMs: 100, maxMs: 1_000 },
};
