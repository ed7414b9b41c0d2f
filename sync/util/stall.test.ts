import { describe, expect, it, vi } from 'vitest';
import { StalledError, unlessStalled } from './stall.js';

describe('unlessStalled', () => {
  it('passes through what finishes in time', async () => {
    const onStall = vi.fn();
    await expect(unlessStalled(Promise.resolve(7), 1_000, 'x', onStall)).resolves.toBe(7);
    await expect(
      unlessStalled(Promise.reject(new Error('boom')), 1_000, 'x', onStall),
    ).rejects.toThrow('boom');
    expect(onStall).not.toHaveBeenCalled();
  });

  it('gives up on what hangs, says what, and releases it', async () => {
    const onStall = vi.fn();
    const hung = new Promise<never>(() => undefined);
    const error: unknown = await unlessStalled(
      hung,
      20,
      'The central change stream',
      onStall,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StalledError);
    expect((error as Error).message).toBe('The central change stream made no progress for 0 s');
    expect(onStall).toHaveBeenCalledOnce();
  });
});
