import { describe, expect, it } from 'vitest';
import type { EngineContext } from '../engine/context.js';
import type { SyncEngine } from '../engine/create-engine.js';
import { OutpostError } from '../errors.js';
import { createVerifyService } from './service.js';

/** An engine whose context fails verify at once, and is replaced after the first read if asked. */
function engine(replaced: boolean): SyncEngine {
  const broken = () => ({ logger: undefined }) as unknown as EngineContext;
  const first = broken();
  let reads = 0;
  return {
    get context() {
      reads += 1;
      return replaced && reads > 1 ? broken() : first;
    },
    status: () => Promise.resolve({ state: { name: 'idle', since: '' } }),
  } as unknown as SyncEngine;
}

describe('createVerifyService', () => {
  it('says the settings changed when the engine was replaced under a run', async () => {
    const error = await createVerifyService(engine(true))
      .verify({})
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OutpostError);
    expect((error as OutpostError).code).toBe('INVALID_STATE');
    expect((error as OutpostError).message).toContain('The settings changed while verify ran');
  });

  it('passes any other failure on as it is', async () => {
    const error = await createVerifyService(engine(false))
      .verify({})
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
  });
});
