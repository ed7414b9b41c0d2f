/**
 * The central password, encrypted with Electron's safeStorage (macOS Keychain, Windows DPAPI,
 * the Linux secret service). Only the ciphertext is stored. Where the OS offers no real secret
 * store, the password is refused rather than kept in clear, and the operator is told why.
 * https://www.electronjs.org/docs/latest/api/safe-storage
 */
import type { SafeStorage } from 'electron';
import { ErrorCode, OutpostError } from '../sync/errors.js';

export type SafeStorageLike = Pick<
  SafeStorage,
  'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'
>;

export type SecureStorageStatus = { available: true } | { available: false; reason: string };

/**
 * On Linux without a keyring, safeStorage falls back to `basic_text`: "encryption" with a
 * hard-coded key, which is clear text in all but name. That counts as unavailable here.
 */
export function secureStorageStatus(
  safeStorage: SafeStorageLike,
  platform: NodeJS.Platform = process.platform,
): SecureStorageStatus {
  if (!safeStorage.isEncryptionAvailable()) {
    return {
      available: false,
      reason:
        platform === 'linux'
          ? 'no secret service is running (install and unlock GNOME Keyring or KWallet)'
          : 'the operating system refused access to its secure storage',
    };
  }
  if (platform === 'linux') {
    const backend = safeStorage.getSelectedStorageBackend();
    if (backend === 'basic_text' || backend === 'unknown') {
      return {
        available: false,
        reason: `no secret service is running (safeStorage uses "${backend}"; install and unlock GNOME Keyring or KWallet)`,
      };
    }
  }
  return { available: true };
}

export interface CredentialVault {
  status(): SecureStorageStatus;
  /** The password's ciphertext, base64, for the settings store. Refuses without secure storage. */
  seal(password: string): string;
  /** The password from `seal`'s output. */
  open(sealed: string): string;
}

export function createCredentialVault(
  safeStorage: SafeStorageLike,
  platform: NodeJS.Platform = process.platform,
): CredentialVault {
  const status = () => secureStorageStatus(safeStorage, platform);
  const unavailable = (action: string, reason: string) =>
    new OutpostError(
      ErrorCode.SecureStorageUnavailable,
      `Cannot ${action} the central password: ${reason}. Outpost does not keep passwords in clear ` +
        'text; fix the secure storage, or connect without a password in the connection string ' +
        '(for example X.509 or a network-restricted user).',
      { details: { reason } },
    );
  return {
    status,
    seal(password) {
      const current = status();
      if (!current.available) throw unavailable('store', current.reason);
      return safeStorage.encryptString(password).toString('base64');
    },
    open(sealed) {
      const current = status();
      if (!current.available) throw unavailable('read', current.reason);
      try {
        return safeStorage.decryptString(Buffer.from(sealed, 'base64'));
      } catch (cause) {
        throw new OutpostError(
          ErrorCode.SecureStorageUnavailable,
          'The stored central password could not be decrypted (the secure storage key changed, ' +
            'for example after a new OS user profile). Enter the central connection string again ' +
            'in Settings.',
          { cause },
        );
      }
    },
  };
}

/** The user:password part of a connection string, as written (percent-encoded). */
const USERINFO = /^(mongodb(?:\+srv)?:\/\/)([^@/?#]*)@/i;

/** `mongodb://user:pw@host/` -> `{ uri: 'mongodb://user@host/', password: 'pw' }`. */
export function splitPassword(uri: string): { uri: string; password?: string } {
  const match = USERINFO.exec(uri);
  const userinfo = match?.[2];
  if (!match || userinfo === undefined) return { uri };
  const colon = userinfo.indexOf(':');
  if (colon < 0) return { uri };
  const user = userinfo.slice(0, colon);
  const password = userinfo.slice(colon + 1);
  const rest = uri.slice(match[0].length);
  return { uri: `${match[1]}${user}@${rest}`, password };
}

/** The inverse of `splitPassword`: puts the (percent-encoded) password back after the user. */
export function joinPassword(uri: string, password: string): string {
  const match = USERINFO.exec(uri);
  const user = match?.[2];
  if (!match || user === undefined || user.includes(':')) return uri;
  return `${match[1]}${user}:${password}@${uri.slice(match[0].length)}`;
}

/** What the UI gets back from `config:get` in place of the user name and password. */
export function hasRedactedCredentials(uri: string): boolean {
  return USERINFO.exec(uri)?.[2] === '***';
}

/** The same connection string with the user name (and password, if any) of `from`. */
export function withCredentialsOf(uri: string, from: string): string {
  const source = USERINFO.exec(from);
  const target = USERINFO.exec(uri);
  if (!source || !target) return uri;
  return `${target[1]}${source[2]}@${uri.slice(target[0].length)}`;
}
