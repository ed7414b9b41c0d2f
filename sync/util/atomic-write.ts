import { chmod, copyFile, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** File mode of the new file (and of the backup). Default 0600: these files hold secrets. */
  mode?: number;
  /** Keep the previous content as `<file>.bak` before replacing it. */
  backup?: boolean;
}

/**
 * Replaces `file` so that a crash or power cut at any moment leaves either the old or the new
 * content, never a torn file: write `<file>.tmp`, fsync it, rename it over `file`, then fsync the
 * directory so the rename itself is durable. A POS box losing power mid-save is an ordinary day.
 */
export async function writeFileAtomic(
  file: string,
  data: string,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const mode = options.mode ?? 0o600;
  const dir = path.dirname(file);
  const tmp = `${file}.tmp`;
  await mkdir(dir, { recursive: true });
  // A tmp file left by a crash may have another mode; `open` only applies `mode` on creation.
  await rm(tmp, { force: true });
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await chmod(tmp, mode);
  if (options.backup) await backupIfPresent(file, mode);
  await rename(tmp, file);
  await syncDirectory(dir);
}

async function backupIfPresent(file: string, mode: number) {
  const backup = `${file}.bak`;
  try {
    await copyFile(file, backup);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  await chmod(backup, mode);
}

async function syncDirectory(dir: string) {
  // Windows cannot open a directory for fsync, and NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
