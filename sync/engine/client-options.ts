import type { MongoClientOptions } from 'mongodb';

/**
 * How long a driver call may wait for a reply before its connection is given up. The driver's
 * default is to wait forever, and a connection can stop answering without closing: a central
 * behind a dropped network path, or (seen under fault injection) a local mongod killed while
 * the socket it accepted lives on in another process, here Wine's server. A pull batch then waited
 * for ever on its transaction, and every later batch failed with "Transaction already in
 * progress" on the same session. Past this time the call fails with a network error, which the
 * driver's retries and the engine's loops already handle. Longer than any single operation the
 * engine runs: change stream waits are a second; an index build at central that takes longer
 * goes on at the server, and the loop's retry waits for it again. (The driver ignores the
 * per-operation `timeoutMS`, so this is the one bound there is.)
 */
export const SOCKET_TIMEOUT_MS = 60_000;

/** Options for every MongoClient an engine uses, local or central. */
export function engineClientOptions(
  options: MongoClientOptions = {},
  socketTimeoutMS = SOCKET_TIMEOUT_MS,
): MongoClientOptions {
  return { socketTimeoutMS, ...options };
}
