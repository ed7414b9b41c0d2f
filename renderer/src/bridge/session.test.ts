import { describe, expect, it } from 'vitest';
import { signIn, storedToken, type SessionEnv } from './session.js';

function env(hash: string, reply: () => Response): SessionEnv & { urls: string[] } {
  const store = new Map<string, string>();
  const urls: string[] = [];
  const location = { hash, pathname: '/', search: '' };
  return {
    urls,
    location,
    history: {
      replaceState: (_data: unknown, _title: string, url?: string | URL | null) => {
        urls.push(String(url));
        location.hash = '';
      },
    },
    storage: {
      getItem: (key) => store.get(key) ?? null,
      setItem: (key, value) => void store.set(key, value),
      removeItem: (key) => void store.delete(key),
    },
    fetch: () => Promise.resolve(reply()),
  };
}

const ok = () => new Response(JSON.stringify({ token: 'the-token' }), { status: 200 });
const used = () =>
  new Response(JSON.stringify({ message: 'This sign-in link has already been used.' }), {
    status: 401,
  });

describe('signIn', () => {
  it('trades the code in the link for the token and clears it from the address bar', async () => {
    const e = env('#token=abc_DEF-123', ok);
    expect(await signIn(e)).toEqual({ ok: true });
    expect(storedToken(e)).toBe('the-token');
    expect(e.urls).toEqual(['/']);
  });

  it('says why a used link fails, and how to get a new one without a link', async () => {
    expect(await signIn(env('#token=abc', used))).toEqual({
      ok: false,
      message: 'This sign-in link has already been used.',
    });
    const none = await signIn(env('', ok));
    expect(none.ok).toBe(false);
    expect(!none.ok && none.message).toContain('outpost serve');
  });

  it('keeps a tab signed in on reload of a used link', async () => {
    const e = env('#token=abc', ok);
    await signIn(e);
    e.location.hash = '#token=abc';
    e.fetch = () => Promise.resolve(used());
    expect(await signIn(e)).toEqual({ ok: true });
  });
});
