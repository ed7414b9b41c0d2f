/**
 * The bridge over the loopback HTTP API of headless mode (`outpost serve`): calls are
 * `POST /api/call/<name>` with the bearer token, events come from `GET /api/events` read with
 * fetch and a stream reader (EventSource cannot send the Authorization header). It implements
 * the same BridgeContract as the Electron preload, so the views cannot tell them apart.
 */
import type {
  BridgeCallName,
  BridgeCalls,
  BridgeContract,
  BridgeEventName,
  BridgeEvents,
} from '../../../sync/api/contract.js';
import { BridgeError, UNAUTHORIZED, UNREACHABLE } from './bridge-error.js';
import { SseParser } from './sse-parser.js';

export type EventStreamState = 'connecting' | 'open' | 'closed';

export interface HttpTransportOptions {
  /** Origin of the API; the page's own origin when served by it. */
  baseUrl?: string;
  token: () => string | null;
  /** A 401: the token was refused (the instance was reset, or the session ended). */
  onUnauthorized?: () => void;
  fetch?: typeof fetch;
  /** Delay before reconnecting the event stream, unless the server asks for another. */
  reconnectMs?: number;
}

export interface HttpBridge extends BridgeContract {
  /** Whether the event stream is up: the UI says so when Outpost stops answering. */
  onStreamState(listener: (state: EventStreamState) => void): () => void;
  close(): void;
}

type AnyListener = (payload: unknown) => void;

export function createHttpTransport(options: HttpTransportOptions): HttpBridge {
  const base = (options.baseUrl ?? '').replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  const listeners = new Map<string, Set<AnyListener>>();
  const lastPayload = new Map<string, unknown>();
  const streamListeners = new Set<(state: EventStreamState) => void>();
  let streamState: EventStreamState = 'closed';
  let abort: AbortController | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const headers = (): Record<string, string> => {
    const token = options.token();
    return token ? { Authorization: `Bearer ${token}` } : {};
  };

  const setStreamState = (state: EventStreamState) => {
    if (state === streamState) return;
    streamState = state;
    for (const listener of streamListeners) listener(state);
  };

  async function failure(response: Response): Promise<BridgeError> {
    const body = (await response.json().catch(() => null)) as {
      code?: string;
      message?: string;
      details?: Record<string, unknown>;
    } | null;
    if (response.status === 401) options.onUnauthorized?.();
    return new BridgeError(
      body?.code ?? (response.status === 401 ? UNAUTHORIZED : 'INTERNAL'),
      body?.message ?? `Outpost answered ${response.status} ${response.statusText}.`,
      body?.details ?? {},
    );
  }

  async function invoke<K extends BridgeCallName>(
    name: K,
    args: BridgeCalls[K]['args'],
  ): Promise<BridgeCalls[K]['result']> {
    let response: Response;
    try {
      response = await doFetch(`${base}/api/call/${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { ...headers(), 'Content-Type': 'application/json' },
        body: args === undefined ? '' : JSON.stringify(args),
        cache: 'no-store',
      });
    } catch (cause) {
      throw new BridgeError(
        UNREACHABLE,
        'Outpost is not answering. It may have been stopped, or this computer restarted it.',
        { cause: String(cause) },
      );
    }
    if (!response.ok) throw await failure(response);
    return (await response.json()) as BridgeCalls[K]['result'];
  }

  function dispatch(event: string, data: string): void {
    let payload: unknown;
    try {
      payload = JSON.parse(data);
    } catch {
      return;
    }
    lastPayload.set(event, payload);
    for (const listener of listeners.get(event) ?? []) listener(payload);
  }

  async function readStream(signal: AbortSignal): Promise<number | undefined> {
    const parser = new SseParser();
    const response = await doFetch(`${base}/api/events`, {
      headers: { ...headers(), Accept: 'text/event-stream' },
      cache: 'no-store',
      signal,
    });
    if (!response.ok) throw await failure(response);
    if (!response.body) throw new BridgeError('INTERNAL', 'The event stream has no body.');
    setStreamState('open');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return parser.retryMs;
      for (const event of parser.push(value)) dispatch(event.event, event.data);
    }
  }

  function connect(): void {
    if (closed || abort) return;
    const controller = new AbortController();
    abort = controller;
    setStreamState('connecting');
    readStream(controller.signal)
      .catch((error: unknown) => {
        if (error instanceof BridgeError && error.code === UNAUTHORIZED) return 'stop' as const;
        return undefined;
      })
      .then((outcome) => {
        if (abort !== controller) return;
        abort = undefined;
        setStreamState('closed');
        if (outcome === 'stop' || closed || listenerCount() === 0) return;
        const delay = typeof outcome === 'number' ? Math.min(outcome, 10_000) : undefined;
        retryTimer = setTimeout(connect, delay ?? options.reconnectMs ?? 2_000);
      })
      .catch(() => undefined);
  }

  function disconnect(): void {
    clearTimeout(retryTimer);
    abort?.abort();
    abort = undefined;
    setStreamState('closed');
  }

  const listenerCount = () => [...listeners.values()].reduce((n, set) => n + set.size, 0);

  return {
    invoke,
    on<K extends BridgeEventName>(name: K, listener: (payload: BridgeEvents[K]) => void) {
      const typed = listener as AnyListener;
      const set = listeners.get(name) ?? new Set<AnyListener>();
      listeners.set(name, set);
      set.add(typed);
      // As over IPC: a new listener of the state learns the current one at once.
      if (name === 'sync:status-changed' && lastPayload.has(name)) {
        const payload = lastPayload.get(name);
        queueMicrotask(() => set.has(typed) && typed(payload));
      }
      connect();
      return () => {
        set.delete(typed);
        if (listenerCount() === 0) disconnect();
      };
    },
    onStreamState(listener) {
      streamListeners.add(listener);
      listener(streamState);
      return () => streamListeners.delete(listener);
    },
    close() {
      closed = true;
      disconnect();
      listeners.clear();
    },
  };
}
