import { statfs } from 'node:fs/promises';
import path from 'node:path';

export type DiskSpace =
  { path: string; freeBytes: number; totalBytes: number } | { path: string; error: string };

/**
 * Free space (available to this user) on the file system holding `dir`. A directory that does
 * not exist yet is measured at its nearest existing parent, where it will be created.
 */
export async function diskSpace(dir: string): Promise<DiskSpace> {
  let current = path.resolve(dir);
  for (;;) {
    try {
      const stats = await statfs(current);
      return {
        path: current,
        freeBytes: stats.bavail * stats.bsize,
        totalBytes: stats.blocks * stats.bsize,
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const parent = path.dirname(current);
      if (code !== 'ENOENT' || parent === current)
        return { path: current, error: code ?? String(error) };
      current = parent;
    }
  }
}
