/** `outpost <args>` in this process, as bin/outpost.js runs it, with what it printed. */
import { runCli } from '../../sync/api/cli.js';

export interface OutpostRun {
  code: number;
  out: string;
  err: string;
  /** stdout parsed as JSON (the --json commands). */
  json<T = Record<string, unknown>>(): T;
}

export async function runOutpost(args: string[]): Promise<OutpostRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['node', 'outpost', ...args], {
    env: {},
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    onStopSignal: () => () => undefined,
  });
  const text = out.join('\n');
  return { code, out: text, err: err.join('\n'), json: <T>() => JSON.parse(text) as T };
}
