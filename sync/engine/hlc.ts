/**
 * Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014). Versions are strings
 * that sort as text: 13-digit milliseconds, 6-digit counter, then the instance ID as tie-break.
 * Every version this site receives advances the clock, so an edit made after seeing another
 * site's edit always gets a larger version, whatever either machine's wall clock says.
 */
export interface HlcState {
  l: number;
  c: number;
}

const COUNTER_LIMIT = 999_999;

export interface ParsedVersion extends HlcState {
  origin: string;
}

export function formatVersion(state: HlcState, origin: string): string {
  return `${String(state.l).padStart(13, '0')}-${String(state.c).padStart(6, '0')}-${origin}`;
}

export function parseVersion(version: string): ParsedVersion | undefined {
  const match = /^(\d{13})-(\d{6})-(.+)$/.exec(version);
  if (!match) return undefined;
  return { l: Number(match[1]), c: Number(match[2]), origin: match[3]! };
}

/** Total order on versions; undefined (a document never written by Outpost) sorts first. */
export function compareVersions(
  a: string | null | undefined,
  b: string | null | undefined,
): number {
  const left = a ?? '';
  const right = b ?? '';
  return left < right ? -1 : left > right ? 1 : 0;
}

export class HybridClock {
  private l: number;
  private c: number;

  constructor(
    private readonly origin: string,
    private readonly wallClock: () => number,
    initial: HlcState = { l: 0, c: 0 },
  ) {
    this.l = initial.l;
    this.c = initial.c;
  }

  get state(): HlcState {
    return { l: this.l, c: this.c };
  }

  /** A new version for a local event. */
  now(): string {
    return this.at(this.wallClock());
  }

  /**
   * A new version for a local event seen at wall-clock time `physical`, which may be a moment
   * ago: capture reads events as they come and stamps them when it writes its batch.
   */
  at(physical: number): string {
    if (physical > this.l) {
      this.l = physical;
      this.c = 0;
    } else {
      this.bump();
    }
    return formatVersion(this.state, this.origin);
  }

  /** Advances past a version seen from elsewhere. Unparseable versions are ignored. */
  receive(version: string | null | undefined): void {
    const remote = version ? parseVersion(version) : undefined;
    if (!remote) return;
    if (remote.l > this.l) {
      this.l = remote.l;
      this.c = remote.c;
    } else if (remote.l === this.l && remote.c > this.c) {
      this.c = remote.c;
    }
  }

  private bump(): void {
    if (this.c >= COUNTER_LIMIT) {
      this.l += 1;
      this.c = 0;
    } else {
      this.c += 1;
    }
  }
}
