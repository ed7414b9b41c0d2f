/** Raised when an awaited driver call made no progress for too long (see `unlessStalled`). */
export class StalledError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} made no progress for ${Math.round(ms / 1000)} s`);
    this.name = 'StalledError';
  }
}

/**
 * Resolves as `work` does, or rejects with StalledError after `ms` and calls `onStall` (which
 * should release what `work` waits on, e.g. close a change stream; a bare time bound needs none). Seen under fault injection:
 * after central's and the site's mongods were both killed and restarted, a change stream of one
 * site stopped delivering without raising an error, so its loop waited forever. The cause found
 * later: under Wine a killed mongod's sockets stay open in wineserver; the clients' socket
 * timeout (SOCKET_TIMEOUT_MS) now ends such a wait too.
 */
export async function unlessStalled<T>(
  work: Promise<T>,
  ms: number,
  what: string,
  onStall: () => void = () => undefined,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onStall();
      reject(new StalledError(what, ms));
    }, ms);
  });
  try {
    return await Promise.race([work, stalled]);
  } finally {
    clearTimeout(timer);
  }
}
