/**
 * `outpost open`: prints a new one-time link that opens the app in a browser on this machine,
 * signed in (the link printed by `outpost serve` works once, for ten minutes). Needs the token
 * in the data directory, so only whoever may control the instance can make one.
 */
import type { Command } from 'commander';
import { ErrorCode, OutpostError } from '../../errors.js';
import { apiTokenFile, readApiDiscovery } from '../http-server.js';
import { readToken } from '../http/token.js';
import {
  instanceCommand,
  printJson,
  resolveDataDir,
  runCommand,
  type InstanceFlags,
} from './command-kit.js';
import type { CliContext } from './context.js';

export function registerOpen(program: Command, context: CliContext): void {
  instanceCommand(
    program
      .command('open')
      .description('print a one-time link that opens the app in a browser on this computer'),
  ).action((flags: InstanceFlags) =>
    runCommand(context, flags, async () => {
      const url = await requestLoginLink(await resolveDataDir(flags, context));
      if (flags.json) printJson(context, { url });
      else {
        context.out(url);
        context.err('Open it in a browser on this computer; it works once, within 10 minutes.');
      }
    }),
  );
}

export async function requestLoginLink(dataDir: string, doFetch: typeof fetch = fetch) {
  const discovery = await readApiDiscovery(dataDir);
  const token = await readToken(apiTokenFile(dataDir));
  if (!discovery || !token) {
    throw new OutpostError(
      ErrorCode.InstanceUnreachable,
      `No running Outpost was found for the data directory ${dataDir}. Start it with "outpost serve".`,
      { details: { dataDir } },
    );
  }
  let response: Response;
  try {
    response = await doFetch(`${discovery.url.replace(/\/+$/, '')}/api/session/link`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (cause) {
    throw new OutpostError(
      ErrorCode.InstanceUnreachable,
      `Outpost is not answering at ${discovery.url}. Is "outpost serve" running for ${dataDir}?`,
      { cause, details: { url: discovery.url } },
    );
  }
  const body = (await response.json().catch(() => null)) as { url?: unknown; message?: unknown };
  if (!response.ok || typeof body?.url !== 'string') {
    throw new OutpostError(
      ErrorCode.InstanceUnreachable,
      `The instance at ${discovery.url} refused to make a link (${response.status}${
        typeof body?.message === 'string' ? `: ${body.message}` : ''
      }).`,
      { details: { url: discovery.url, status: response.status } },
    );
  }
  return body.url;
}
