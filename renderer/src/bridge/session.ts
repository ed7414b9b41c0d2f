/**
 * How the browser UI of headless mode gets the API token. `outpost serve` prints a one-time link
 * `http://127.0.0.1:<port>/#token=<code>`; the page trades the code for the token
 * (`POST /api/session`), removes it from the address bar and keeps the token in sessionStorage,
 * which ends with the tab. The long-lived token never appears in a URL or the history.
 */
const TOKEN_KEY = 'outpost.api-token';

export type SignInResult = { ok: true } | { ok: false; message: string };

export interface SessionEnv {
  location: Pick<Location, 'hash' | 'pathname' | 'search'>;
  history: Pick<History, 'replaceState'>;
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  fetch: typeof fetch;
}

export function browserSessionEnv(): SessionEnv {
  return {
    location: window.location,
    history: window.history,
    storage: window.sessionStorage,
    fetch: (...args) => fetch(...args),
  };
}

export function storedToken(env: SessionEnv): string | null {
  return env.storage.getItem(TOKEN_KEY);
}

export function forgetToken(env: SessionEnv): void {
  env.storage.removeItem(TOKEN_KEY);
}

/** The code in `#token=<code>`, removed from the address bar (and so from history) at once. */
export function takeLoginCode(env: SessionEnv): string | null {
  const match = /^#token=([A-Za-z0-9_-]+)$/.exec(env.location.hash);
  if (!match) return null;
  env.history.replaceState(null, '', `${env.location.pathname}${env.location.search}`);
  return match[1] ?? null;
}

/** Signs in with the link's code, or with the token this tab already holds. */
export async function signIn(env: SessionEnv): Promise<SignInResult> {
  const code = takeLoginCode(env);
  if (code) {
    const exchanged = await exchange(env, code);
    // A reload of a used link in a tab that is already signed in is fine.
    if (exchanged.ok || storedToken(env) === null) return exchanged;
  }
  if (storedToken(env)) return { ok: true };
  return {
    ok: false,
    message:
      'To open Outpost in a browser, use the link that "outpost serve" printed when it started ' +
      '(it works once, within 10 minutes). For a new link, run "outpost open" on this computer.',
  };
}

async function exchange(env: SessionEnv, code: string): Promise<SignInResult> {
  let response: Response;
  try {
    response = await env.fetch('/api/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ code }),
      cache: 'no-store',
    });
  } catch {
    return { ok: false, message: 'Outpost is not answering. Is "outpost serve" still running?' };
  }
  const body = (await response.json().catch(() => ({}))) as { token?: string; message?: string };
  if (response.ok && typeof body.token === 'string') {
    env.storage.setItem(TOKEN_KEY, body.token);
    return { ok: true };
  }
  return { ok: false, message: body.message ?? `Sign-in failed (${response.status}).` };
}
