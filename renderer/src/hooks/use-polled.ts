import { useCallback, useEffect, useState } from 'react';
import type { BridgeCallName, BridgeCalls } from '../../../sync/api/contract.js';
import { useBridge } from '../bridge/bridge-context.js';

export interface Polled<T> {
  data: T | undefined;
  /** The last call's failure, cleared by the next success. */
  error: unknown;
  /** Calls again now (after an action), without waiting for the next interval. */
  refresh: () => void;
}

/**
 * Calls `name` now and every `intervalMs` while mounted (and the page is visible), keeping the
 * last good result when a call fails. `args` is compared by value, so literals are fine.
 */
export function usePolled<K extends BridgeCallName>(
  name: K,
  args: BridgeCalls[K]['args'],
  intervalMs: number,
): Polled<BridgeCalls[K]['result']> {
  const bridge = useBridge();
  const [data, setData] = useState<BridgeCalls[K]['result']>();
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  // Compared by value: a new object literal each render does not restart the polling.
  const key = JSON.stringify(args ?? null);

  useEffect(() => {
    let active = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const callArgs = (key === 'null' ? undefined : JSON.parse(key)) as BridgeCalls[K]['args'];
    const run = async () => {
      try {
        const result = await bridge.invoke(name, callArgs);
        if (!active) return;
        setData(result);
        setError(null);
      } catch (failure) {
        if (active) setError(failure);
      }
      if (active) timer = setTimeout(() => void run(), intervalMs);
    };
    void run();
    return () => {
      active = false;
      clearTimeout(timer);
    };
  }, [bridge, name, key, intervalMs, tick]);

  const refresh = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, refresh };
}
