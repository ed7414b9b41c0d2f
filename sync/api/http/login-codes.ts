import { createHash, randomBytes } from 'node:crypto';

/** How long a one-time sign-in code printed by `outpost serve` stays valid. */
export const LOGIN_CODE_TTL_MS = 10 * 60 * 1000;
/** Codes not yet used; older ones are dropped first past this many. */
const MAX_OUTSTANDING = 20;

/**
 * One-time codes exchanged for the API token (`POST /api/session`), so that the URL a person
 * opens (`http://127.0.0.1:<port>/#token=<code>`) never carries the long-lived token: a code
 * left in browser history or a terminal scrollback is worthless once used or ten minutes old.
 * Only hashes are kept; a code is 256 random bits, so guessing one is not a concern.
 */
export class LoginCodes {
  private readonly codes = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs: number = LOGIN_CODE_TTL_MS,
  ) {}

  issue(): string {
    this.prune();
    while (this.codes.size >= MAX_OUTSTANDING) {
      const oldest = this.codes.keys().next().value;
      if (oldest === undefined) break;
      this.codes.delete(oldest);
    }
    const code = randomBytes(32).toString('base64url');
    this.codes.set(digest(code), this.now() + this.ttlMs);
    return code;
  }

  /** True once for a code that was issued and has not expired; false for anything else. */
  redeem(code: unknown): boolean {
    this.prune();
    if (typeof code !== 'string' || code.length === 0 || code.length > 200) return false;
    const key = digest(code);
    if (!this.codes.has(key)) return false;
    this.codes.delete(key);
    return true;
  }

  private prune(): void {
    const now = this.now();
    for (const [key, expires] of this.codes) if (expires <= now) this.codes.delete(key);
  }
}

function digest(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}
