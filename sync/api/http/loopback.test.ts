import { chmod, mkdir, mkdtemp, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../logging/logger.js';
import {
  allowedHosts,
  isAllowedHost,
  isAllowedOrigin,
  isLoopbackHost,
  listenAddress,
} from './loopback.js';
import { resolveStaticFile } from './static-files.js';
import { ensureApiToken, isAuthorized } from './token.js';

describe('loopback hosts', () => {
  it('accepts 127.0.0.0/8, ::1 and localhost only', () => {
    for (const host of [
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      '[::1]',
      'localhost',
      'LOCALHOST',
      '::ffff:127.0.0.1',
    ])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of [
      '0.0.0.0',
      '::',
      '192.168.1.10',
      '10.0.0.1',
      'example.com',
      '128.0.0.1',
      '',
      '::ffff:10.0.0.1',
    ])
      expect(isLoopbackHost(host), host).toBe(false);
  });

  it('binds localhost as 127.0.0.1', () => {
    expect(listenAddress('localhost')).toBe('127.0.0.1');
    expect(listenAddress('[::1]')).toBe('::1');
  });

  it('answers only Host headers naming loopback with its port', () => {
    const allowed = allowedHosts('127.0.0.1', 4100);
    for (const host of ['127.0.0.1:4100', 'localhost:4100', 'LocalHost:4100', '[::1]:4100'])
      expect(isAllowedHost(host, allowed), host).toBe(true);
    for (const host of ['evil.example:4100', '127.0.0.1:4101', '127.0.0.1', 'localhost', undefined])
      expect(isAllowedHost(host, allowed), String(host)).toBe(false);
  });

  it('refuses cross-origin browser requests', () => {
    const allowed = allowedHosts('127.0.0.1', 4100);
    expect(isAllowedOrigin(undefined, allowed)).toBe(true);
    expect(isAllowedOrigin('http://127.0.0.1:4100', allowed)).toBe(true);
    expect(isAllowedOrigin('http://evil.example', allowed)).toBe(false);
    expect(isAllowedOrigin('null', allowed)).toBe(false);
    expect(isAllowedOrigin('https://127.0.0.1:4100', allowed)).toBe(false);
  });
});

describe('bearer token', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('compares the Authorization header with the token', () => {
    const token = 'a'.repeat(43);
    expect(isAuthorized(`Bearer ${token}`, token)).toBe(true);
    expect(isAuthorized(`bearer ${token}`, token)).toBe(true);
    expect(isAuthorized(`Bearer ${token}x`, token)).toBe(false);
    expect(isAuthorized(`Basic ${token}`, token)).toBe(false);
    expect(isAuthorized(token, token)).toBe(false);
    expect(isAuthorized(undefined, token)).toBe(false);
    expect(isAuthorized('Bearer ', token)).toBe(false);
  });

  it('creates a random token with mode 0600 once, then reuses it', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'outpost-token-'));
    const file = path.join(dir, 'nested', 'api-token');
    const token = await ensureApiToken(file, silentLogger());
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await ensureApiToken(file, silentLogger())).toBe(token);
  });

  it('tightens a token file others can read', async () => {
    if (process.platform === 'win32') return;
    dir = await mkdtemp(path.join(os.tmpdir(), 'outpost-token-'));
    const file = path.join(dir, 'api-token');
    await writeFile(file, `${'b'.repeat(43)}\n`);
    await chmod(file, 0o644);
    expect(await ensureApiToken(file, silentLogger())).toBe('b'.repeat(43));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});

describe('static files', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('serves files inside the root only', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'outpost-static-'));
    const root = path.join(dir, 'ui');
    await mkdir(path.join(root, 'assets'), { recursive: true });
    await writeFile(path.join(root, 'index.html'), '<!doctype html>');
    await writeFile(path.join(root, 'assets', 'app.js'), '1');
    await writeFile(path.join(dir, 'secret.txt'), 'no');
    const real = (p: string) => realpath(p);
    expect(await resolveStaticFile(root, '/')).toBe(await real(path.join(root, 'index.html')));
    expect(await resolveStaticFile(root, '/assets/app.js')).toBe(
      await real(path.join(root, 'assets', 'app.js')),
    );
    // A client-side route falls back to the app; a missing asset does not.
    expect(await resolveStaticFile(root, '/conflicts')).toBe(
      await real(path.join(root, 'index.html')),
    );
    expect(await resolveStaticFile(root, '/assets/missing.js')).toBeUndefined();
    for (const attack of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%00',
      '/%E0%A4%A',
    ])
      expect(await resolveStaticFile(root, attack), attack).toBeUndefined();
    // A symlink inside the root that points outside it is not followed out.
    if (process.platform !== 'win32') {
      await symlink(path.join(dir, 'secret.txt'), path.join(root, 'leak.txt'));
      expect(await resolveStaticFile(root, '/leak.txt')).toBeUndefined();
    }
  });
});
