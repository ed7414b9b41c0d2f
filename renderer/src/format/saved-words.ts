import type { ConfigUpdateResult } from '../../../sync/api/contract.js';

/** What saving a setting did to the running Outpost, in a sentence for the operator. */
export function savedWords(result: ConfigUpdateResult): string {
  const saved = `Saved to ${result.file}.`;
  if (result.restartFor.length > 0)
    return `${saved} Restart Outpost for ${result.restartFor.join(', ')} to take effect.`;
  if (result.applied.length > 0) return `${saved} In effect now.`;
  if (result.restartRequired) return `${saved} Restart Outpost for the change to take effect.`;
  return (
    `${saved} Nothing changes in what runs: it was already in effect, or an environment ` +
    'variable or a command-line flag sets it.'
  );
}
