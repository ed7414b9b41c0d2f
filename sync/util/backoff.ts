export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Multiplier per attempt. */
  factor?: number;
  /** 0..1: the share of each delay that is randomised ("full jitter" at 1). */
  jitter?: number;
}

/**
 * Delay before retry number `attempt` (0-based): exponential, capped, with jitter so that many
 * sites coming back online at once do not retry in lock-step.
 */
export function backoffDelay(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const factor = policy.factor ?? 2;
  const jitter = policy.jitter ?? 0.5;
  const exponential = Math.min(policy.maxMs, policy.initialMs * factor ** Math.max(0, attempt));
  const fixed = exponential * (1 - jitter);
  return Math.round(fixed + exponential * jitter * random());
}

/**
 * Waits `ms`, or less if `signal` aborts. `onWake`, if given, receives a function that ends the
 * wait early (a loop keeps it to be woken; calling it after the wait is over does nothing).
 */
export function sleep(
  ms: number,
  signal?: AbortSignal,
  onWake?: (wake: () => void) => void,
): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
    onWake?.(done);
  });
}
