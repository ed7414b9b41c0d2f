import { useEffect, useRef, useState } from 'react';
import type { StatusView } from '../../../sync/api/contract.js';
import { useBridge } from '../bridge/bridge-context.js';

export interface RateSample {
  at: number;
  push: number;
  pull: number;
}

export interface LiveStatus {
  status: StatusView | undefined;
  error: unknown;
  /** Push and pull rates of the last minute, one sample per poll, oldest first. */
  history: RateSample[];
  refresh: () => void;
}

const POLL_MS = 1_000;
const HISTORY = 60;

/**
 * The engine's status, polled every second for counts and rates, and fetched at once when the
 * bridge reports a state change (so "Offline" shows without waiting for the next poll).
 */
export function useStatus(): LiveStatus {
  const bridge = useBridge();
  const [status, setStatus] = useState<StatusView>();
  const [error, setError] = useState<unknown>(null);
  const [history, setHistory] = useState<RateSample[]>([]);
  const fetchNow = useRef<() => void>(() => undefined);

  useEffect(() => {
    let active = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight = false;
    const run = async () => {
      clearTimeout(timer);
      if (inFlight) return;
      inFlight = true;
      try {
        const next = await bridge.invoke('sync:get-status', undefined);
        if (!active) return;
        setStatus(next);
        setError(null);
        setHistory((old) =>
          [
            ...old,
            { at: Date.now(), push: next.rates.pushedPerSecond, pull: next.rates.pulledPerSecond },
          ].slice(-HISTORY),
        );
      } catch (failure) {
        if (active) setError(failure);
      } finally {
        inFlight = false;
        if (active) timer = setTimeout(() => void run(), POLL_MS);
      }
    };
    fetchNow.current = () => void run();
    void run();
    const off = bridge.on('sync:status-changed', ({ state }) => {
      setStatus((old) => (old ? { ...old, state } : old));
      void run();
    });
    return () => {
      active = false;
      clearTimeout(timer);
      off();
    };
  }, [bridge]);

  return { status, error, history, refresh: () => fetchNow.current() };
}
