import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  APP_INDEX_URL,
  CONTENT_SECURITY_POLICY,
  handleAppProtocol,
  isAppUrl,
  registerAppScheme,
  resolveAppFile,
  serveAppRequest,
} from './app-protocol.js';
import { protocol } from './testing/fake-electron.js';

vi.mock('electron', () => import('./testing/fake-electron.js'));

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'outpost-ui-'));
  await mkdir(path.join(root, 'assets'));
  await writeFile(path.join(root, 'index.html'), '<!doctype html><title>Outpost</title>');
  await writeFile(path.join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  await writeFile(path.join(root, '..', 'outside-secret.txt'), 'secret').catch(() => undefined);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(path.join(root, '..', 'outside-secret.txt'), { force: true });
});

describe('isAppUrl', () => {
  it('accepts the app origin only', () => {
    expect(isAppUrl(APP_INDEX_URL)).toBe(true);
    expect(isAppUrl('app://outpost/settings?x=1#y')).toBe(true);
    for (const url of ['app://evil/index.html', 'https://outpost/', 'file:///index.html', '']) {
      expect(isAppUrl(url)).toBe(false);
    }
  });
});

describe('resolveAppFile', () => {
  it('maps paths into the UI directory, client routes to index.html', () => {
    expect(resolveAppFile(root, '/index.html')).toBe(path.join(root, 'index.html'));
    expect(resolveAppFile(root, '/')).toBe(path.join(root, 'index.html'));
    expect(resolveAppFile(root, '/conflicts')).toBe(path.join(root, 'index.html'));
    expect(resolveAppFile(root, '/assets/index-abc.js')).toBe(
      path.join(root, 'assets', 'index-abc.js'),
    );
  });

  it('never leaves the UI directory', () => {
    for (const attempt of [
      '/../outside-secret.txt',
      '/%2e%2e/outside-secret.txt',
      '/assets/..%2F..%2Foutside-secret.txt',
      '/..\\outside-secret.txt',
      '/index.html%00.js',
      '/%E0%A4%A',
    ]) {
      const file = resolveAppFile(root, attempt);
      if (file !== undefined) expect(file.startsWith(root + path.sep)).toBe(true);
    }
  });
});

describe('serveAppRequest', () => {
  it('serves files with their type and the CSP', async () => {
    const response = await serveAppRequest(root, new Request('app://outpost/assets/index-abc.js'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toBe('console.log(1)');
    const index = await serveAppRequest(root, new Request(APP_INDEX_URL));
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('answers 404 for other hosts, missing files and writes', async () => {
    for (const request of [
      new Request('app://other/index.html'),
      new Request('app://outpost/missing.js'),
      new Request('app://outpost/index.html', { method: 'POST', body: 'x' }),
    ]) {
      const response = await serveAppRequest(root, request);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    }
  });
});

describe('registration', () => {
  it('registers app:// as a standard, secure scheme and handles it', async () => {
    registerAppScheme(protocol);
    expect(protocol.privileged).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
    handleAppProtocol(protocol, root);
    const response = await protocol.handlers.get('app')?.(new Request(APP_INDEX_URL));
    expect(response?.status).toBe(200);
  });
});
