import { ErrorCode, OutpostError } from '../errors.js';
import { diskFull } from './data-dir-lock.js';

interface StartContext {
  dbPath: string;
  port: number;
  code: number | null;
  signal: string | null;
  lastLines: string[];
}

/**
 * Turns mongod exiting during start-up into the error the operator can act on. mongod's exit
 * codes: 48 = listener could not bind, 100 = uncaught DB exception (DBPathInUse among them).
 * https://www.mongodb.com/docs/manual/reference/exit-codes/
 */
export function classifyStartExit(context: StartContext): OutpostError {
  const text = context.lastLines.join('\n');
  const details = {
    path: context.dbPath,
    port: context.port,
    exitCode: context.code,
    signal: context.signal,
    lastLines: context.lastLines,
  };
  if (context.code === 48 || /Address already in use|Error setting up listener/i.test(text)) {
    return new OutpostError(
      ErrorCode.PortInUse,
      `Port ${context.port} on 127.0.0.1 is already in use, so the local mongod cannot listen on it. ` +
        'Stop what uses it or set local.port to a free port.',
      { details },
    );
  }
  // WiredTiger error 28 is ENOSPC; under Windows the text is "There is not enough space".
  if (/No space left on device|not enough space on the disk|"error":28\b|ENOSPC/i.test(text)) {
    return diskFull(context.dbPath);
  }
  if (/DBPathInUse|mongod\.lock/i.test(text)) {
    return new OutpostError(
      ErrorCode.DataDirLocked,
      `The data directory ${context.dbPath} is locked by another mongod. Stop that mongod first.`,
      { details },
    );
  }
  if (/Permission denied|Read-only file system|Access is denied|not writable/i.test(text)) {
    return new OutpostError(
      ErrorCode.DataDirNotWritable,
      `mongod cannot write to the data directory ${context.dbPath}. Check its permissions.`,
      { details },
    );
  }
  const lastError = findLastError(context.lastLines);
  return new OutpostError(
    ErrorCode.MongodExitedDuringStart,
    `mongod exited during start-up (exit code ${context.code ?? 'none'}${
      context.signal ? `, signal ${context.signal}` : ''
    }) with data directory ${context.dbPath}${lastError ? `: ${lastError}` : ''}.`,
    { details },
  );
}

/** mongod logs JSON lines; the last one at severity E or F usually says why it stopped. */
export function findLastError(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? '';
    try {
      const entry = JSON.parse(line) as {
        s?: string;
        msg?: string;
        attr?: Record<string, unknown>;
      };
      if (entry.s === 'E' || entry.s === 'F') {
        const detail = entry.attr?.['error'] ?? entry.attr?.['reason'] ?? '';
        return `${entry.msg ?? ''}${detail ? ` (${typeof detail === 'string' ? detail : JSON.stringify(detail)})` : ''}`;
      }
    } catch {
      if (/error|fatal/i.test(line)) return line.trim();
    }
  }
  return undefined;
}
