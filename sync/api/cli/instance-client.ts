/**
 * How CLI commands reach the running instance: the URL from `<dataDir>/api.json` (written by
 * `outpost serve`), the token from `<dataDir>/api-token`, then `POST /api/call/<name>`.
 */
import { ErrorCode, OutpostError, type ErrorPayload } from '../../errors.js';
import type { BridgeCallName, BridgeCalls } from '../contract.js';
import { apiDiscoveryFile, apiTokenFile, readApiDiscovery } from '../http-server.js';
import { readToken } from '../http/token.js';

export interface InstanceClient {
  readonly url: string;
  call<K extends BridgeCallName>(
    name: K,
    ...args: BridgeCalls[K]['args'] extends void ? [] : [BridgeCalls[K]['args']]
  ): Promise<BridgeCalls[K]['result']>;
}

export interface ConnectOptions {
  dataDir: string;
  /** Per request; long work (verify) passes more. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** An error the instance answered with: its payload, and the HTTP status it came with. */
export class InstanceCallError extends OutpostError {
  constructor(
    readonly status: number,
    payload: ErrorPayload,
  ) {
    super(payload.code, payload.message, { details: payload.details ?? {} });
  }
}

export async function connectInstance(options: ConnectOptions): Promise<InstanceClient> {
  const { dataDir } = options;
  const discovery = await readApiDiscovery(dataDir);
  if (!discovery) {
    throw unreachable(
      `No running Outpost was found for the data directory ${dataDir} (${apiDiscoveryFile(dataDir)} ` +
        'is missing). Start it with "outpost serve", or name its data directory with --data-dir.',
      { dataDir },
    );
  }
  const tokenFile = apiTokenFile(dataDir);
  const token = await readToken(tokenFile).catch((error: unknown) => {
    throw unreachable((error as Error).message, { tokenFile });
  });
  if (!token)
    throw unreachable(`The API token file ${tokenFile} is missing or empty.`, { tokenFile });
  const doFetch = options.fetch ?? fetch;
  const url = discovery.url.replace(/\/+$/, '');
  return {
    url,
    async call(name, ...rest) {
      const args: unknown = rest[0];
      let response: Response;
      try {
        response = await doFetch(`${url}/api/call/${encodeURIComponent(name)}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: args === undefined ? '' : JSON.stringify(args),
          signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
        });
      } catch (cause) {
        throw unreachable(
          `Outpost is not answering at ${url} (${describeFetchError(cause)}). Is "outpost serve" ` +
            `running for ${dataDir}? A stale ${apiDiscoveryFile(dataDir)} is left by an instance that did not stop cleanly.`,
          { url },
          cause,
        );
      }
      const body: unknown = await response.json().catch(() => null);
      if (response.ok) return body as never;
      if (response.status === 401 || response.status === 421) {
        throw unreachable(
          `The instance at ${url} refused this request (${response.status}): the token in ${tokenFile} ` +
            'does not match, or another program listens on that port.',
          { url, status: response.status },
        );
      }
      throw new InstanceCallError(response.status, asPayload(body, response.status));
    },
  };
}

function asPayload(body: unknown, status: number): ErrorPayload {
  const candidate = body as Partial<ErrorPayload> | null;
  if (candidate && typeof candidate.code === 'string' && typeof candidate.message === 'string') {
    return candidate as ErrorPayload;
  }
  return { code: ErrorCode.Internal, message: `The instance answered HTTP ${status}.` };
}

function unreachable(message: string, details: Record<string, unknown>, cause?: unknown) {
  return new OutpostError(ErrorCode.InstanceUnreachable, message, { details, cause });
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string } } | null)?.cause;
  if (cause?.code) return cause.code;
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer in time';
  return error instanceof Error ? error.message : String(error);
}
