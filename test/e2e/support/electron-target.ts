/**
 * Whether the Electron target can run here. The `electron` npm package throws on require when
 * its binary was never downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD, as on these machines);
 * ELECTRON_OVERRIDE_DIST_PATH points it at a binary when one exists.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { REPO_ROOT } from '../../harness/provision.js';

export const NO_ELECTRON = 'Electron target skipped: no Electron binary on this machine';

export function electronBinary(): string | undefined {
  try {
    const found = createRequire(import.meta.url)('electron') as unknown;
    return typeof found === 'string' && existsSync(found) ? found : undefined;
  } catch {
    return undefined;
  }
}

/** The shell's built entry (package.json "main"). */
export function electronMain(): string {
  const pkg = createRequire(import.meta.url)(path.join(REPO_ROOT, 'package.json')) as {
    main?: string;
  };
  return path.join(REPO_ROOT, pkg.main ?? 'dist/electron/main.js');
}

/** Why the Electron target cannot run, or undefined when it can. */
export function electronSkipReason(): string | undefined {
  if (!electronBinary()) return NO_ELECTRON;
  if (!existsSync(electronMain()))
    return `Electron target skipped: the shell is not built (${path.relative(REPO_ROOT, electronMain())} is missing)`;
  return undefined;
}
