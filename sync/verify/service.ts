/**
 * Verify as the API and the scheduler run it: on a started engine, with the outcome written to
 * the sync log (`verify.completed` with counts, `verify.failed` with the reason).
 */
import type { VerifyArgs } from '../api/contract.js';
import type { VerifyService } from '../api/handlers.js';
import type { VerifyReport } from '../api/views.js';
import type { SyncEngine } from '../engine/create-engine.js';
import type { EngineContext } from '../engine/context.js';
import { ErrorCode, OutpostError, toOutpostError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { sleep } from '../util/backoff.js';
import { verifyCollections, type VerifyOptions } from './verify.js';

export function createVerifyService(engine: SyncEngine): VerifyService {
  return {
    async verify(args: VerifyArgs): Promise<VerifyReport> {
      const ctx = await runningContext(engine);
      try {
        return await runVerify(ctx, {
          db: args.db,
          colls: args.colls,
          repair: args.repair ?? false,
        });
      } catch (error) {
        // A settings change replaced the engine (and perhaps closed its client of central)
        // under this run: say so, rather than the driver's "client was closed".
        if (engine.context !== ctx)
          throw new OutpostError(
            ErrorCode.InvalidState,
            'The settings changed while verify ran, and the sync engine it used was replaced, ' +
              'so it stopped. Nothing was lost (a repair made so far stands): run it again.',
            { cause: error },
          );
        throw error;
      }
    },
  };
}

/**
 * Runs a report-only verify every `intervalMs` (the seeds' periodic validation), the next one
 * `intervalMs` after the previous one ended. Skipped while the engine is stopped or offline.
 * Returns the stop function: it ends the schedule and waits for a run in progress to stop.
 */
export function startScheduledVerify(
  engine: SyncEngine,
  intervalMs: number,
  logger: Logger,
): () => Promise<void> {
  const log = logger.child({ component: 'verify' });
  const control = new AbortController();
  const loop = (async () => {
    while (!control.signal.aborted) {
      await sleep(intervalMs, control.signal);
      if (control.signal.aborted) return;
      try {
        const state = (await engine.status()).state.name;
        const ctx = engine.context;
        if (!ctx || state === 'stopped' || state === 'offline' || state === 'error') {
          log.debug({ event: 'verify.skipped', state });
          continue;
        }
        await runVerify(ctx, { repair: false, signal: control.signal }, { scheduled: true });
      } catch (error) {
        if (control.signal.aborted) return;
        // Already logged and recorded by runVerify; the schedule goes on.
        log.debug({ event: 'verify.scheduled-run-failed', error });
      }
    }
  })();
  return async () => {
    control.abort();
    await loop.catch((error: unknown) => log.debug({ event: 'verify.schedule-failed', error }));
  };
}

async function runningContext(engine: SyncEngine): Promise<EngineContext> {
  const state = (await engine.status()).state;
  const ctx = engine.context;
  if (!ctx || state.name === 'stopped' || state.name === 'starting' || state.name === 'error') {
    throw new OutpostError(
      ErrorCode.InvalidState,
      `Verify needs the sync engine running; it is ${state.name}.`,
      { details: { state: state.name } },
    );
  }
  return ctx;
}

async function runVerify(
  ctx: EngineContext,
  options: VerifyOptions,
  extra: Record<string, unknown> = {},
): Promise<VerifyReport> {
  const log = ctx.logger.child({ component: 'verify' });
  const started = Date.now();
  try {
    const report = await verifyCollections(ctx, options);
    const entry = {
      event: 'verify.completed',
      repair: report.repair,
      ...report.totals,
      durationMs: Date.now() - started,
      ...extra,
    };
    log.info(entry);
    await record(ctx, { ...entry, level: report.totals.remaining > 0 ? 'warn' : 'info' });
    return report;
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const failure = toOutpostError(error);
    const entry = { event: 'verify.failed', code: failure.code, reason: failure.message, ...extra };
    log.warn(entry);
    await record(ctx, { ...entry, level: 'warn' });
    throw error;
  }
}

async function record(
  ctx: EngineContext,
  entry: { event: string; level: 'info' | 'warn' } & Record<string, unknown>,
): Promise<void> {
  await ctx.store.log
    .insertOne({ at: new Date(), ...entry })
    .catch((error: unknown) => ctx.logger.debug({ event: 'verify.log-failed', error }));
}
