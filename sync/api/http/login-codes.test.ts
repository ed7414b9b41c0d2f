import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiHandlers } from '../handlers.js';
import { createApiServer, type ApiServer } from '../http-server.js';
import { LOGIN_CODE_TTL_MS, LoginCodes } from './login-codes.js';

describe('LoginCodes', () => {
  it('redeems a code once', () => {
    const codes = new LoginCodes();
    const code = codes.issue();
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(codes.redeem(code)).toBe(true);
    expect(codes.redeem(code)).toBe(false);
  });

  it('refuses a code after ten minutes, and anything it never issued', () => {
    let now = 1_000;
    const codes = new LoginCodes(() => now);
    const code = codes.issue();
    now += LOGIN_CODE_TTL_MS;
    expect(codes.redeem(code)).toBe(false);
    for (const bad of ['', 'x'.repeat(43), undefined, 42, { code }])
      expect(codes.redeem(bad)).toBe(false);
  });

  it('keeps every code it issued apart', () => {
    const codes = new LoginCodes();
    const [a, b] = [codes.issue(), codes.issue()];
    expect(a).not.toBe(b);
    expect(codes.redeem(b)).toBe(true);
    expect(codes.redeem(a)).toBe(true);
  });
});

describe('POST /api/session', () => {
  let dir: string | undefined;
  let server: ApiServer | undefined;
  afterEach(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    server = dir = undefined;
  });

  async function start(): Promise<ApiServer> {
    dir = await mkdtemp(path.join(os.tmpdir(), 'outpost-session-'));
    const handlers = { invoke: () => Promise.resolve({ ok: true }) } as unknown as ApiHandlers;
    server = await createApiServer({
      handlers,
      host: '127.0.0.1',
      port: 0,
      tokenFile: path.join(dir, 'api-token'),
    });
    return server;
  }

  const post = (s: ApiServer, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${s.url}/api/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('trades the one-time code of loginUrl() for the token, once', async () => {
    const s = await start();
    const url = new URL(s.loginUrl());
    expect(`${url.protocol}//${url.host}`).toBe(s.url);
    expect(url.pathname).toBe('/');
    const code = /^#token=(.+)$/.exec(url.hash)?.[1];
    expect(code).toBeDefined();
    expect(url.href).not.toContain(s.token);

    const first = await post(s, { code }, { Origin: s.url });
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(await first.json()).toEqual({ token: s.token });

    const again = await post(s, { code });
    expect(again.status).toBe(401);
    expect(((await again.json()) as { message: string }).message).toContain('already been used');
  });

  it('hands a fresh link to whoever holds the token (outpost open)', async () => {
    const s = await start();
    const link = (auth?: string) =>
      fetch(`${s.url}/api/session/link`, {
        method: 'POST',
        headers: auth ? { Authorization: `Bearer ${auth}` } : {},
      });
    expect((await link()).status).toBe(401);
    const reply = await link(s.token);
    expect(reply.status).toBe(200);
    const { url } = (await reply.json()) as { url: string };
    const code = new URL(url).hash.slice('#token='.length);
    expect((await post(s, { code })).status).toBe(200);
  });

  it('keeps the Origin check and answers only POST', async () => {
    const s = await start();
    const code = new URL(s.loginUrl()).hash.slice('#token='.length);
    expect((await post(s, { code }, { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await fetch(`${s.url}/api/session`)).status).toBe(405);
    // The refused attempts did not use the code up.
    expect((await post(s, { code })).status).toBe(200);
  });
});
