import { readFile } from 'node:fs/promises';
import { locateJsonError } from '../config/json-position.js';
import { ErrorCode, OutpostError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { InstanceIdentityRecord } from './record.js';

/**
 * Where the instance identity lives: electron-store in the desktop app, a JSON file in headless
 * mode. `read` returns the raw stored value (validated by the caller), or undefined if none.
 */
export interface IdentityStore {
  read(): Promise<unknown>;
  write(value: InstanceIdentityRecord): Promise<void>;
  /** Where the identity is kept, for error messages: a path and what kind of store it is. */
  describe(): string;
}

/** A JSON file (mode 0600, replaced atomically) for headless mode. */
export function createFileIdentityStore(file: string): IdentityStore {
  const describe = () => `the identity file ${file}`;
  return {
    describe,
    async read() {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return undefined;
        throw new OutpostError(
          ErrorCode.IdentityStoreInvalid,
          `Could not read ${describe()} (${code ?? String(cause)}).`,
          { cause, details: { location: file } },
        );
      }
      try {
        return JSON.parse(text) as unknown;
      } catch {
        const at = locateJsonError(text);
        const where = at ? ` (${at.problem} at line ${at.line}, column ${at.column})` : '';
        throw new OutpostError(
          ErrorCode.IdentityStoreInvalid,
          `${capitalize(describe())} is not valid JSON${where}. It has not been changed; ` +
            'restore it from a backup, or move it aside to make a new instance ID.',
          { details: { location: file, line: at?.line, column: at?.column } },
        );
      }
    },
    async write(value) {
      try {
        await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
      } catch (cause) {
        throw new OutpostError(
          ErrorCode.IdentityStoreNotWritable,
          `Could not write ${describe()} (${(cause as NodeJS.ErrnoException).code ?? String(cause)}).`,
          { cause, details: { location: file } },
        );
      }
    },
  };
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
