/**
 * Push and pull rates and the failure rate over a sliding window, from the engine's cumulative
 * counters. Samples are taken on every read and by a timer, so a rate means "over roughly the
 * last window" and not "since start".
 */

export interface CounterSample {
  at: number;
  pushed: number;
  pulled: number;
  pushFailures: number;
  pullFailures: number;
}

export interface Rates {
  pushedPerSecond: number;
  pulledPerSecond: number;
  /** Failures / (successes + failures) of push and pull in the window; null without activity. */
  failureRate: number | null;
  /** The span the rates are computed over, ms (shorter than the window just after start). */
  spanMs: number;
}

export class RateWindow {
  private samples: CounterSample[] = [];

  constructor(private readonly windowMs: number) {}

  /** Records a sample; samples older than the window are dropped, but one is kept as a base. */
  record(sample: CounterSample): void {
    const last = this.samples[this.samples.length - 1];
    // Counters restart from zero with a new engine: the old samples mean nothing then.
    if (last && (sample.pushed < last.pushed || sample.pulled < last.pulled)) this.samples = [];
    this.samples.push(sample);
    const cutoff = sample.at - this.windowMs;
    while (this.samples.length > 2 && this.samples[1]!.at <= cutoff) this.samples.shift();
  }

  rates(): Rates {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at <= first.at) {
      return { pushedPerSecond: 0, pulledPerSecond: 0, failureRate: null, spanMs: 0 };
    }
    const spanMs = last.at - first.at;
    const pushed = last.pushed - first.pushed;
    const pulled = last.pulled - first.pulled;
    const failures =
      last.pushFailures - first.pushFailures + (last.pullFailures - first.pullFailures);
    const attempts = pushed + pulled + failures;
    return {
      pushedPerSecond: round((pushed * 1_000) / spanMs),
      pulledPerSecond: round((pulled * 1_000) / spanMs),
      failureRate: attempts === 0 ? null : round(failures / attempts, 4),
      spanMs,
    };
  }
}

function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
