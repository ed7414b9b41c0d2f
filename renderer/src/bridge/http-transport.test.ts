import { describe, expect, it, vi } from 'vitest';
import { BridgeError } from './bridge-error.js';
import { createHttpTransport } from './http-transport.js';

type FetchArgs = [input: string, init?: RequestInit];

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

/** A response streaming `chunks` as server-sent events, then staying open until aborted. */
function eventStream(chunks: string[], signal: AbortSignal | undefined): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      signal?.addEventListener('abort', () => controller.error(new Error('aborted')));
    },
  });
  return new Response(body, { headers: { 'Content-Type': 'text/event-stream' } });
}

describe('createHttpTransport', () => {
  it('posts calls with the bearer token and returns the result', async () => {
    const calls: FetchArgs[] = [];
    const bridge = createHttpTransport({
      baseUrl: 'http://127.0.0.1:4100/',
      token: () => 'secret-token',
      fetch: (input, init) => {
        calls.push([input as string, init]);
        return Promise.resolve(json(200, { state: { name: 'paused', since: 'x' } }));
      },
    });
    await expect(bridge.invoke('sync:pause', undefined)).resolves.toEqual({
      state: { name: 'paused', since: 'x' },
    });
    await bridge.invoke('log:list', { limit: 5 });
    expect(calls[0]?.[0]).toBe('http://127.0.0.1:4100/api/call/sync%3Apause');
    expect(calls[0]?.[1]?.method).toBe('POST');
    expect(calls[0]?.[1]?.body).toBe('');
    expect((calls[0]?.[1]?.headers as Record<string, string>)['Authorization']).toBe(
      'Bearer secret-token',
    );
    expect(calls[1]?.[1]?.body).toBe('{"limit":5}');
  });

  it("throws the server's {code, message, details}, and reports a refused token", async () => {
    const onUnauthorized = vi.fn();
    let reply = json(400, { code: 'INVALID_ARGS', message: 'Bad limit.', details: { call: 'x' } });
    const bridge = createHttpTransport({
      token: () => 't',
      onUnauthorized,
      fetch: () => Promise.resolve(reply),
    });
    const error = await bridge.invoke('log:list', { limit: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BridgeError);
    expect(error).toMatchObject({ code: 'INVALID_ARGS', message: 'Bad limit.' });
    reply = json(401, { code: 'API_UNAUTHORIZED', message: 'No.' });
    await expect(bridge.invoke('sync:get-status', undefined)).rejects.toMatchObject({
      code: 'API_UNAUTHORIZED',
    });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('says Outpost is not answering when the request fails', async () => {
    const bridge = createHttpTransport({
      token: () => 't',
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    });
    await expect(bridge.invoke('sync:get-status', undefined)).rejects.toMatchObject({
      code: 'INSTANCE_UNREACHABLE',
    });
  });

  it('delivers events from the stream, the last state to late listeners, and stops when unused', async () => {
    let signal: AbortSignal | undefined;
    const bridge = createHttpTransport({
      token: () => 't',
      fetch: (input, init) => {
        expect(input).toBe('/api/events');
        signal = init?.signal ?? undefined;
        return Promise.resolve(
          eventStream(
            [
              'retry: 3000\n: connected\n\n',
              'event: sync:status-changed\ndata: {"state":{"name":"idle","since":"a"}}\n',
              '\nevent: app:error-raised\ndata: {"code":"X","message":"m"}\n\n',
            ],
            init?.signal ?? undefined,
          ),
        );
      },
    });
    const states: string[] = [];
    const errors: string[] = [];
    const offState = bridge.on('sync:status-changed', ({ state }) => states.push(state.name));
    const offError = bridge.on('app:error-raised', ({ code }) => errors.push(code));
    await vi.waitFor(() => expect(errors).toEqual(['X']));
    expect(states).toEqual(['idle']);
    const late: string[] = [];
    const offLate = bridge.on('sync:status-changed', ({ state }) => late.push(state.name));
    await vi.waitFor(() => expect(late).toEqual(['idle']));
    offState();
    offError();
    expect(signal?.aborted).toBe(false);
    offLate();
    expect(signal?.aborted).toBe(true);
    bridge.close();
  });
});
