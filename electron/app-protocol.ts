/**
 * The UI is served from `app://outpost/`, a privileged custom scheme, rather than `file://`:
 * a page on `file://` may read any local file, and a CSP header cannot be set on `file://`
 * responses, only a <meta> tag. Here every response carries the policy as a header.
 * https://www.electronjs.org/docs/latest/tutorial/security#18-avoid-usage-of-the-file-protocol-and-prefer-usage-of-custom-protocols
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Protocol } from 'electron';

export const APP_SCHEME = 'app';
export const APP_HOST = 'outpost';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * The same policy the loopback HTTP server sends with the UI (sync/api/http/static-files.ts), so
 * the end-to-end tests in Chromium run the UI under the policy the desktop app enforces.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; " +
  "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** Whether `url` is a page of the app's own origin. (`new URL(...).origin` is "null" here.) */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * Must run before the app is ready. `standard` gives the scheme real origins and relative URLs;
 * `secure` lets module scripts and the clipboard API work as on https.
 */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/**
 * The file under `root` that an app:// path names, or undefined. Decoded once, NUL and backslash
 * refused, normalised, and required to stay inside `root`. Paths without an extension (client
 * routes) get index.html. No realpath: the files live in the app's asar archive, not a user's
 * directory, and asar has no symlinks out.
 */
export function resolveAppFile(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const relative = path.posix.normalize(`/${decoded}`).replace(/^\/+/, '');
  const base = path.resolve(root);
  const wanted =
    relative === '' || path.posix.extname(relative) === ''
      ? path.join(base, 'index.html')
      : path.resolve(base, relative);
  return wanted.startsWith(base + path.sep) ? wanted : undefined;
}

/** Answers one app:// request from `root` (the built UI). */
export async function serveAppRequest(root: string, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const file = url.host === APP_HOST ? resolveAppFile(root, url.pathname) : undefined;
  const headers = {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
  };
  if (!file || (request.method !== 'GET' && request.method !== 'HEAD')) {
    return new Response('Not found', { status: 404, headers });
  }
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return new Response('Not found', { status: 404, headers });
  }
  const type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
    status: 200,
    headers: { ...headers, 'Content-Type': type },
  });
}

/** Serves the built UI on app://outpost/ (after the app is ready). */
export function handleAppProtocol(protocol: Pick<Protocol, 'handle'>, root: string): void {
  protocol.handle(APP_SCHEME, (request) => serveAppRequest(root, request));
}
