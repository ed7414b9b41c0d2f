/**
 * What an error from central's driver says, read through its causes and the per-server errors of
 * a failed server selection: for the connection test's words, and for the reason the engine
 * gives when central cannot be used.
 */

export interface ErrorFacts {
  codes: Set<string>;
  messages: string[];
  serverCode: number | undefined;
}

/** Error codes, messages and the server code anywhere in the error, its causes and its servers. */
export function collectFacts(error: unknown): ErrorFacts {
  const facts: ErrorFacts = { codes: new Set(), messages: [], serverCode: undefined };
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number) => {
    if (depth > 5 || value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    const e = value as {
      code?: unknown;
      codeName?: unknown;
      message?: unknown;
      cause?: unknown;
      reason?: { servers?: Map<string, { error?: unknown }> };
    };
    if (typeof e.code === 'string') facts.codes.add(e.code);
    if (typeof e.code === 'number') facts.serverCode ??= e.code;
    if (typeof e.codeName === 'string') facts.codes.add(e.codeName);
    if (typeof e.message === 'string' && e.message) facts.messages.push(e.message);
    visit(e.cause, depth + 1);
    const servers = e.reason?.servers;
    if (servers instanceof Map)
      for (const server of servers.values()) visit(server.error, depth + 1);
  };
  visit(error, 0);
  return facts;
}

/** The oldest MongoDB the driver talks to (its minimum wire version, 9). */
export const MIN_SERVER = '4.4';
const RELEASE_OF_WIRE: Record<number, string> = {
  0: '2.4 or older',
  2: '2.6',
  3: '3.0',
  4: '3.2',
  5: '3.4',
  6: '3.6',
  7: '4.0',
  8: '4.2',
};

/**
 * "MongoDB 4.0" for a server the driver refused as too old (MongoCompatibilityError: "reports
 * maximum wire version 7, but this version of the Node.js Driver requires at least 9").
 */
export function olderServer(messages: readonly string[]): string | undefined {
  for (const message of messages) {
    const wire = /reports maximum wire version (\d+), but .* requires at least/.exec(message)?.[1];
    if (wire === undefined) continue;
    const release = RELEASE_OF_WIRE[Number(wire)];
    return release ? `MongoDB ${release}` : `a MongoDB older than ${MIN_SERVER}`;
  }
  return undefined;
}

/** Whether the driver refused central as older than it supports. */
export function isServerTooOld(error: unknown): boolean {
  return olderServer(collectFacts(error).messages) !== undefined;
}

/**
 * The reason to show for a failed call to central: a server too old for the driver said in
 * words (retrying cannot help until it is upgraded), otherwise the error's own message.
 */
export function centralFailure(error: unknown): string {
  const facts = collectFacts(error);
  const tooOld = olderServer(facts.messages);
  if (tooOld)
    return `${TOO_OLD}${tooOld}, and Outpost needs MongoDB ${MIN_SERVER} or later (every Atlas cluster is): upgrade it, or set central.uri to one that is`;
  return facts.messages[0] ?? (error instanceof Error ? error.message : 'central unreachable');
}

const TOO_OLD = 'Central runs ';

/** Whether an offline reason (from `centralFailure`) is a central too old, not an outage. */
export function isTooOldReason(reason: string): boolean {
  return reason.startsWith(TOO_OLD);
}
