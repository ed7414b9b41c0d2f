import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BridgeEventName, BridgeEvents } from '../contract.js';

export interface EventSource {
  on<K extends BridgeEventName>(name: K, listener: (payload: BridgeEvents[K]) => void): () => void;
}

/**
 * A server-sent event stream of bridge events (`event: sync:status-changed`, JSON `data`), with a
 * comment line every `heartbeatMs` so proxies and clients can tell a quiet stream from a dead one.
 * https://html.spec.whatwg.org/multipage/server-sent-events.html
 * Returns a function that ends the stream (used when the server closes).
 */
export function openEventStream(
  req: IncomingMessage,
  res: ServerResponse,
  source: EventSource,
  options: { heartbeatMs: number; events: readonly BridgeEventName[] },
): () => void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Content-Type-Options': 'nosniff',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  res.write(`retry: 3000\n: connected\n\n`);
  const send = (event: string, payload: unknown) => {
    if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
  };
  const unsubscribes = options.events.map((name) =>
    source.on(name, (payload) => send(name, payload)),
  );
  const heartbeat = setInterval(() => {
    if (!res.writableEnded) res.write(`: heartbeat ${new Date().toISOString()}\n\n`);
  }, options.heartbeatMs);
  heartbeat.unref();
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    for (const unsubscribe of unsubscribes) unsubscribe();
    if (!res.writableEnded) res.end();
  };
  req.on('close', close);
  res.on('close', close);
  return close;
}
