import { readFile, realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

const CSP =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; " +
  "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/**
 * The file under `root` that a URL path names, or undefined when it names nothing there. Paths
 * are decoded once, then must stay inside `root` after normalisation and after symlinks are
 * followed; NUL bytes and backslashes (Windows separators) are refused outright.
 */
export async function resolveStaticFile(
  root: string,
  urlPath: string,
): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const base = await realpath(root).catch(() => undefined);
  if (!base) return undefined;
  const relative = path.posix.normalize(`/${decoded}`).replace(/^\/+/, '');
  const wanted = path.resolve(base, relative === '' ? 'index.html' : relative);
  const candidates = [wanted];
  // A client-side route (no file extension) gets the app's index page.
  if (path.extname(wanted) === '') candidates.push(path.join(base, 'index.html'));
  for (const candidate of candidates) {
    const real = await realpath(candidate).catch(() => undefined);
    if (!real || !(real === base || real.startsWith(base + path.sep))) continue;
    const info = await stat(real).catch(() => undefined);
    if (info?.isFile()) return real;
  }
  return undefined;
}

export async function sendStaticFile(
  res: ServerResponse,
  file: string,
  headOnly: boolean,
): Promise<void> {
  const body = await readFile(file);
  res.writeHead(200, {
    'Content-Type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': body.length,
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  });
  res.end(headOnly ? undefined : body);
}
