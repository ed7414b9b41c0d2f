import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface OutputCapture {
  lastLines(): string[];
}

/** Keeps mongod's last log lines (for start-up errors) and appends all of them to a file. */
export function captureOutput(child: ChildProcess, logFile?: string, keep = 40): OutputCapture {
  const lines: string[] = [];
  const file = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
  file?.on('error', () => undefined);
  const onLine = (line: string) => {
    lines.push(line);
    if (lines.length > keep) lines.shift();
    file?.write(`${line}\n`);
  };
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', onLine);
  }
  child.once('exit', () => file?.end());
  return { lastLines: () => [...lines] };
}
