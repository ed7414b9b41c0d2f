import { toBridgeError, type BridgeError } from '../bridge/bridge-error.js';

/** A failed call in words for people; the message from Outpost is kept when it is one already. */
export function errorWords(error: unknown): string {
  const e: BridgeError = toBridgeError(error);
  switch (e.code) {
    case 'INSTANCE_UNREACHABLE':
      return 'Outpost is not answering. It may be restarting; this page retries on its own.';
    case 'API_UNAUTHORIZED':
      return 'This page is no longer signed in. Run "outpost open" on this computer for a new link.';
    case 'CONFLICT_CHANGED':
      return 'Central changed this record while you were deciding. Review the versions again.';
    case 'INVALID_STATE':
      return e.message || 'That cannot be done right now.';
    case 'CONFIG_NOT_WRITABLE':
      return `Settings cannot be saved here: ${e.message}`;
    default:
      return e.message || 'Something went wrong.';
  }
}
