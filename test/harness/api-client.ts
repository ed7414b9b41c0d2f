/**
 * Helpers of the API integration tests: a raw HTTP client (node:http, so tests can send any Host
 * header), an API server over a harness site, an SSE reader and a check of the text exposition.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { createApiHandlers, type ApiHandlers } from '../../sync/api/handlers.js';
import { apiTokenFile, createApiServer, type ApiServer } from '../../sync/api/http-server.js';
import { loadConfig, type ConfigPatch } from '../../sync/config/index.js';
import type { TestSite } from './sync-cluster.js';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

/** node:http rather than fetch: fetch does not let a test send a foreign Host header. */
export function request(
  server: ApiServer,
  options: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export const auth = (server: ApiServer) => ({ Authorization: `Bearer ${server.token}` });
export const call = (server: ApiServer, name: string, body?: unknown) =>
  request(server, {
    method: 'POST',
    path: `/api/call/${name}`,
    headers: { ...auth(server), 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

export interface Instance {
  dir: string;
  handlers: ApiHandlers;
  server: ApiServer;
}

export async function startApi(
  site: TestSite,
  health: ConfigPatch['health'] = {},
): Promise<Instance> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'outpost-api-'));
  const configFile = path.join(dir, 'outpost.json');
  await writeFile(configFile, JSON.stringify({ siteId: 'shop-1' }));
  const config = await loadConfig({
    file: configFile,
    overrides: { dataDir: dir, central: { uri: 'mongodb://head:secret@central:27017' }, health },
  });
  const handlers = createApiHandlers({
    engine: site.engine,
    config,
    configFile,
    instanceId: site.instanceId,
  });
  const server = await createApiServer({
    handlers,
    host: '127.0.0.1',
    port: 0,
    tokenFile: apiTokenFile(dir),
    heartbeatMs: 200,
  });
  return { dir, handlers, server };
}

export async function stopApi(instance: Instance | undefined): Promise<void> {
  if (!instance) return;
  await instance.server.close();
  instance.handlers.close();
  await rm(instance.dir, { recursive: true, force: true });
}

/**
 * Every line must be a HELP, TYPE or sample line of the text exposition format, and every sample
 * must belong to a declared family. Returns the declared families (a family whose value is not
 * known yet, such as the lag before anything was pulled, is declared without samples).
 */
export function parseExposition(text: string): string[] {
  const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const label = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
  const sample = new RegExp(
    `^(${name})(?:\\{(?:${label}(?:,${label})*,?)?\\})? (?:[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?|NaN|[-+]Inf)(?: -?\\d+)?$`,
  );
  const help = new RegExp(`^# HELP ${name} .*$`);
  const type = new RegExp(`^# TYPE ${name} (counter|gauge|histogram|summary|untyped)$`);
  const families = new Set<string>();
  let samples = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      expect(help.test(line) || type.test(line), line).toBe(true);
      if (line.startsWith('# TYPE ')) families.add(line.split(' ')[2]!);
      continue;
    }
    const match = sample.exec(line);
    expect(match, `not an exposition sample: ${line}`).not.toBeNull();
    expect(families, `sample of an undeclared family: ${line}`).toContain(match![1]);
    samples += 1;
  }
  expect(samples).toBeGreaterThan(10);
  return [...families];
}

export function openStream(server: ApiServer) {
  const received: { event: string; data: { state: { name: string } } }[] = [];
  let raw = '';
  let buffer = '';
  const req = http.get(
    { host: '127.0.0.1', port: server.port, path: '/api/events', headers: auth(server) },
    (res) => {
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (event && data)
            received.push({ event, data: JSON.parse(data) as { state: { name: string } } });
        }
      });
    },
  );
  req.on('error', () => undefined);
  return {
    received,
    get raw() {
      return raw;
    },
    states: () => received.map((e) => e.data.state.name),
    close: () => req.destroy(),
  };
}
