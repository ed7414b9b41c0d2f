import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, readFile, stat } from 'node:fs/promises';
import { ErrorCode, OutpostError } from '../../errors.js';
import type { Logger } from '../../logging/logger.js';
import { writeFileAtomic } from '../../util/atomic-write.js';

const TOKEN_BYTES = 32;
/** base64url of 32 bytes is 43 characters; anything much shorter was not written by us. */
const MIN_TOKEN_LENGTH = 32;

/**
 * The API's bearer token, kept in `file` with owner-only permissions (0600): whoever can read it
 * may control sync, so it is exactly as private as the data directory. Created on first use; a
 * file readable by others is tightened and reported.
 */
export async function ensureApiToken(file: string, logger: Logger): Promise<string> {
  const existing = await readToken(file);
  if (existing !== undefined && existing.length >= MIN_TOKEN_LENGTH) {
    await tightenMode(file, logger);
    return existing;
  }
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  try {
    await writeFileAtomic(file, `${token}\n`, { mode: 0o600 });
  } catch (cause) {
    throw new OutpostError(
      ErrorCode.ApiTokenUnreadable,
      `The API token file ${file} could not be written (${(cause as NodeJS.ErrnoException).code ?? String(cause)}). ` +
        'Check that the data directory is writable by the user running Outpost.',
      { cause, details: { file } },
    );
  }
  logger.info({ event: 'api.token-created', file });
  return token;
}

/** The token in `file`, or undefined when there is none. */
export async function readToken(file: string): Promise<string | undefined> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    return text === '' ? undefined : text;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new OutpostError(
      ErrorCode.ApiTokenUnreadable,
      `The API token file ${file} could not be read (${(cause as NodeJS.ErrnoException).code ?? String(cause)}). ` +
        'Run the command as the user that runs Outpost.',
      { cause, details: { file } },
    );
  }
}

async function tightenMode(file: string, logger: Logger): Promise<void> {
  // Windows has no POSIX modes; the data directory's ACL protects the file there.
  if (process.platform === 'win32') return;
  const mode = (await stat(file)).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  await chmod(file, 0o600);
  logger.warn({ event: 'api.token-mode-fixed', file, was: mode.toString(8) });
}

/** Compares an `Authorization` header with the token in constant time. */
export function isAuthorized(header: string | undefined, token: string): boolean {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  const offered = match?.[1] ?? '';
  // Hashing first gives equal lengths, so timingSafeEqual leaks neither content nor length.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(offered), digest(token)) && match !== null;
}
