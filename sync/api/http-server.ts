/**
 * The loopback HTTP API over the handler set: `GET /api/health`, `GET /api/status`,
 * `GET /metrics`, `POST /api/call/<name>`, `GET /api/events` (server-sent events),
 * `POST /api/session` (a one-time code for the token: http/login-codes.ts) and, when given a
 * directory, the UI's static files. Loopback only, bearer token, Host and Origin checked
 * (http/loopback.ts, http/token.ts). node:http, no framework: the surface is six routes.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, OutpostError } from '../errors.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { toErrorPayload, type ApiHandlers } from './handlers.js';
import { readJsonBody } from './http/body.js';
import {
  allowedHosts,
  hostPort,
  isAllowedHost,
  isAllowedOrigin,
  isLoopbackHost,
  listenAddress,
} from './http/loopback.js';
import { httpStatusFor, sendError, sendJson, sendText } from './http/respond.js';
import { openEventStream } from './http/sse.js';
import { resolveStaticFile, sendStaticFile } from './http/static-files.js';
import { LoginCodes } from './http/login-codes.js';
import { ensureApiToken, isAuthorized } from './http/token.js';

export interface ApiServerOptions {
  handlers: ApiHandlers;
  /** Must be loopback: 127.0.0.0/8, ::1 or localhost. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Where the bearer token is kept (created, mode 0600, when absent): `<dataDir>/api-token`. */
  tokenFile: string;
  logger?: Logger | undefined;
  /** The built UI, served without a token (it holds no data; its API calls need the token). */
  staticDir?: string | undefined;
  /** Interval of the SSE heartbeat comment. */
  heartbeatMs?: number;
}

export interface ApiServer {
  url: string;
  port: number;
  token: string;
  /**
   * A URL that opens the UI signed in, once: `<url>/#token=<one-time code>`. The page trades the
   * code for the token (`POST /api/session`); the code dies on use or after ten minutes.
   */
  loginUrl(): string;
  close(): Promise<void>;
}

export function apiTokenFile(dataDir: string): string {
  return path.join(dataDir, 'api-token');
}

export function apiDiscoveryFile(dataDir: string): string {
  return path.join(dataDir, 'api.json');
}

/** Tells the CLI where the running instance listens: `<dataDir>/api.json` = `{ url, pid }`. */
export async function writeApiDiscovery(dataDir: string, url: string): Promise<void> {
  const content = { url, pid: process.pid, startedAt: new Date().toISOString() };
  await writeFileAtomic(apiDiscoveryFile(dataDir), `${JSON.stringify(content, null, 2)}\n`, {
    mode: 0o600,
  });
}

export async function removeApiDiscovery(dataDir: string): Promise<void> {
  await rm(apiDiscoveryFile(dataDir), { force: true });
}

export async function readApiDiscovery(dataDir: string): Promise<{ url: string } | undefined> {
  let text: string;
  try {
    text = await readFile(apiDiscoveryFile(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as { url?: unknown };
    return typeof parsed.url === 'string' ? { url: parsed.url } : undefined;
  } catch {
    return undefined;
  }
}

export async function createApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const logger = (options.logger ?? silentLogger()).child({ component: 'api-http' });
  if (!isLoopbackHost(options.host)) {
    throw new OutpostError(
      ErrorCode.ApiHostNotLoopback,
      `The API cannot listen on ${options.host}: it only listens on loopback (127.0.0.1, ::1 or ` +
        'localhost), because it controls sync with a token kept on this machine. Set api.host ' +
        'to 127.0.0.1 and reach it from elsewhere through an SSH tunnel if you must.',
      { details: { host: options.host } },
    );
  }
  const token = await ensureApiToken(options.tokenFile, logger);
  const address = listenAddress(options.host);
  const streams = new Set<() => void>();
  const loginCodes = new LoginCodes();
  let allowed = new Set<string>();
  let url = '';

  const server = createServer((req, res) => {
    const started = performance.now();
    res.on('finish', () =>
      logger.debug({
        event: 'api.request',
        method: req.method,
        path: (req.url ?? '').split('?')[0],
        status: res.statusCode,
        ms: Math.round(performance.now() - started),
      }),
    );
    route(req, res).catch((error: unknown) => {
      const payload = toErrorPayload(error);
      const status = httpStatusFor(payload.code);
      if (status >= 500) logger.error({ event: 'api.request-failed', error, code: payload.code });
      if (res.headersSent) return void res.end();
      const headers: Record<string, string> = {};
      if (payload.code === ErrorCode.ApiBodyTooLarge) headers['Connection'] = 'close';
      const allow = payload.details?.['allow'];
      if (payload.code === ErrorCode.ApiMethodNotAllowed && typeof allow === 'string')
        headers['Allow'] = allow;
      sendError(res, status, payload, headers);
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isAllowedHost(req.headers.host, allowed)) {
      return sendError(res, 421, {
        code: ErrorCode.ApiHostRejected,
        message: `Requests must name this server as Host (${[...allowed].join(', ')}); got ${JSON.stringify(req.headers.host ?? '')}.`,
      });
    }
    if (!isAllowedOrigin(req.headers.origin, allowed)) {
      return sendError(res, 403, {
        code: ErrorCode.ApiHostRejected,
        message: `Cross-origin requests are refused (Origin ${JSON.stringify(req.headers.origin)}).`,
      });
    }
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const isApi = pathname === '/metrics' || pathname === '/api' || pathname.startsWith('/api/');
    if (!isApi) return serveStatic(req, res, pathname);
    // The one route without a token: it is how a browser gets one.
    if (pathname === '/api/session') return exchangeLoginCode(req, res);
    if (!isAuthorized(req.headers.authorization, token)) {
      logger.info({ event: 'api.unauthorized', path: pathname, remote: req.socket.remoteAddress });
      return sendError(
        res,
        401,
        {
          code: ErrorCode.ApiUnauthorized,
          message: `A valid "Authorization: Bearer <token>" header is required; the token is in ${options.tokenFile}.`,
        },
        { 'WWW-Authenticate': 'Bearer realm="outpost"' },
      );
    }
    const method = req.method ?? 'GET';
    const call = /^\/api\/call\/([^/]+)$/.exec(pathname);
    if (call) {
      requireMethod(method, 'POST');
      const args = await readJsonBody(req);
      return sendJson(res, 200, await options.handlers.invoke(decodeURIComponent(call[1]!), args));
    }
    switch (pathname) {
      case '/api/session/link':
        // `outpost open`: whoever holds the token may hand out a one-time link to the UI.
        requireMethod(method, 'POST');
        return sendJson(res, 200, { url: `${url}/#token=${loginCodes.issue()}` });
      case '/api/health': {
        requireMethod(method, 'GET');
        const report = (await options.handlers.invoke('sync:get-health', undefined)) as {
          status: string;
        };
        return sendJson(res, report.status === 'fail' ? 503 : 200, report);
      }
      case '/api/status':
        requireMethod(method, 'GET');
        return sendJson(res, 200, await options.handlers.invoke('sync:get-status', undefined));
      case '/metrics': {
        requireMethod(method, 'GET');
        const { metrics } = options.handlers;
        return sendText(res, 200, metrics.contentType, await metrics.scrape());
      }
      case '/api/events': {
        requireMethod(method, 'GET');
        const close = openEventStream(req, res, options.handlers, {
          heartbeatMs: options.heartbeatMs ?? 15_000,
          events: ['sync:status-changed', 'app:error-raised'],
        });
        streams.add(close);
        res.on('close', () => streams.delete(close));
        return;
      }
    }
    throw new OutpostError(ErrorCode.NotFound, `There is no API route ${pathname}.`, {
      details: { path: pathname },
    });
  }

  async function exchangeLoginCode(req: IncomingMessage, res: ServerResponse) {
    requireMethod(req.method ?? 'GET', 'POST');
    const body = (await readJsonBody(req, 4_096)) as { code?: unknown } | undefined;
    if (!loginCodes.redeem(body?.code)) {
      logger.info({ event: 'api.login-code-refused', remote: req.socket.remoteAddress });
      return sendError(res, 401, {
        code: ErrorCode.ApiUnauthorized,
        message:
          'This sign-in link has already been used or has expired (each link opens once, within ' +
          '10 minutes). Run "outpost open" on this computer for a new link.',
      });
    }
    logger.info({ event: 'api.login-code-used', remote: req.socket.remoteAddress });
    return sendJson(res, 200, { token });
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string) {
    const method = req.method ?? 'GET';
    const file =
      options.staticDir && (method === 'GET' || method === 'HEAD')
        ? await resolveStaticFile(options.staticDir, pathname)
        : undefined;
    if (!file) {
      throw new OutpostError(ErrorCode.NotFound, `Nothing is served at ${pathname}.`, {
        details: { path: pathname },
      });
    }
    await sendStaticFile(res, file, method === 'HEAD');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause: NodeJS.ErrnoException) =>
      reject(
        new OutpostError(
          cause.code === 'EADDRINUSE' ? ErrorCode.PortInUse : ErrorCode.Internal,
          `The API cannot listen on ${hostPort(address, options.port)} (${cause.code ?? cause.message}). ` +
            'Set api.port to a free port, or stop the other Outpost using it.',
          { cause, details: { host: address, port: options.port } },
        ),
      ),
    );
    server.listen({ host: address, port: options.port, exclusive: true }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  allowed = allowedHosts(address, port);
  url = `http://${hostPort(address, port)}`;
  logger.info({ event: 'api.listening', url });

  return {
    url,
    port,
    token,
    loginUrl: () => `${url}/#token=${loginCodes.issue()}`,
    async close() {
      for (const close of streams) close();
      streams.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      logger.info({ event: 'api.closed', url });
    },
  };
}

function requireMethod(method: string, wanted: 'GET' | 'POST'): void {
  if (method === wanted || (wanted === 'GET' && method === 'HEAD')) return;
  throw new OutpostError(
    ErrorCode.ApiMethodNotAllowed,
    `This route answers ${wanted} requests, not ${method}.`,
    { details: { allow: wanted } },
  );
}
