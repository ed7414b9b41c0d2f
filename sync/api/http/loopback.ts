import net from 'node:net';

/**
 * The API is for this machine only: it listens on loopback, and it answers only requests whose
 * Host names loopback with its port. The Host check defeats DNS rebinding (a web page whose
 * domain is re-pointed at 127.0.0.1 sends its own domain as Host); the Origin check refuses
 * cross-site requests from any page a browser on this machine has open.
 * https://en.wikipedia.org/wiki/DNS_rebinding
 */

/** 127.0.0.0/8, ::1 (bracketed or not) and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost') return true;
  if (net.isIPv4(bare)) return bare.startsWith('127.');
  if (net.isIPv6(bare)) {
    if (bare === '::1' || bare === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
    return mapped !== null && mapped[1]!.startsWith('127.');
  }
  return false;
}

/**
 * The address to listen on for a configured loopback host. `localhost` is bound as 127.0.0.1
 * rather than resolved, so a hosts file mapping it elsewhere cannot widen the listener.
 */
export function listenAddress(host: string): string {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  return bare === 'localhost' ? '127.0.0.1' : bare;
}

/** `host:port` as it appears in a URL or a Host header (IPv6 in brackets). */
export function hostPort(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Host header values this server answers to. */
export function allowedHosts(boundAddress: string, port: number): Set<string> {
  return new Set(
    ['127.0.0.1', 'localhost', '::1', boundAddress].map((host) => hostPort(host, port)),
  );
}

export function isAllowedHost(header: string | undefined, allowed: Set<string>): boolean {
  return header !== undefined && allowed.has(header.trim().toLowerCase());
}

/** A browser's Origin, when sent, must be this server itself (the bundled UI). */
export function isAllowedOrigin(origin: string | undefined, allowed: Set<string>): boolean {
  if (origin === undefined) return true;
  const match = /^http:\/\/([^/]+)$/i.exec(origin.trim());
  return match !== null && allowed.has(match[1]!.toLowerCase());
}
