import { readFileSync } from 'node:fs';

/**
 * Outpost's version, from the package.json two levels up (the repository, or the packaged app's
 * root). Registered with each site at central and printed by the CLI.
 */
export function outpostVersion(): string {
  try {
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    // A bundled build may lay files out differently; the version is informative only.
    return '0.0.0';
  }
}
