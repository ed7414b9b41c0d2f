/**
 * One error type for the whole engine. `code` is stable and is what the UI, the HTTP API and the
 * CLI map to words; `message` is a sentence naming the path, port or collection involved.
 */
export const ErrorCode = {
  MongodBinaryMissing: 'MONGOD_BINARY_MISSING',
  MongodBinaryNotExecutable: 'MONGOD_BINARY_NOT_EXECUTABLE',
  PortInUse: 'PORT_IN_USE',
  DataDirLocked: 'DATA_DIR_LOCKED',
  DataDirNotWritable: 'DATA_DIR_NOT_WRITABLE',
  DataDirFull: 'DATA_DIR_FULL',
  ReplSetNameMismatch: 'REPLSET_NAME_MISMATCH',
  MongodExitedDuringStart: 'MONGOD_EXITED_DURING_START',
  MongodStartTimeout: 'MONGOD_START_TIMEOUT',
  MongodNotRunning: 'MONGOD_NOT_RUNNING',
  /** The local database's stored credentials or key file cannot be read. */
  LocalAuthInvalid: 'LOCAL_AUTH_INVALID',
  /** The local database has users, and the stored credentials are not theirs. */
  LocalAuthMismatch: 'LOCAL_AUTH_MISMATCH',
  InvalidState: 'INVALID_STATE',
  ConfigInvalid: 'CONFIG_INVALID',
  ConfigUnreadable: 'CONFIG_UNREADABLE',
  ConfigNotWritable: 'CONFIG_NOT_WRITABLE',
  IdentityStoreInvalid: 'IDENTITY_STORE_INVALID',
  IdentityStoreNotWritable: 'IDENTITY_STORE_NOT_WRITABLE',
  MachineIdUnavailable: 'MACHINE_ID_UNAVAILABLE',
  CentralUnreachable: 'CENTRAL_UNREACHABLE',
  /** A call's arguments failed its schema (HTTP 400, CLI exit 2). */
  InvalidArgs: 'INVALID_ARGS',
  ConflictChanged: 'CONFLICT_CHANGED',
  /** A call name the bridge contract does not define (HTTP 404). */
  UnknownCall: 'UNKNOWN_CALL',
  /** A conflict, log entry or other record named by an argument does not exist (HTTP 404). */
  NotFound: 'NOT_FOUND',
  /** The feature behind a call is not available in this build or instance (HTTP 501). */
  NotImplemented: 'NOT_IMPLEMENTED',
  ApiHostNotLoopback: 'API_HOST_NOT_LOOPBACK',
  ApiTokenUnreadable: 'API_TOKEN_UNREADABLE',
  ApiUnauthorized: 'API_UNAUTHORIZED',
  /** Host or Origin header not this loopback server's (DNS rebinding, cross-site requests). */
  ApiHostRejected: 'API_HOST_REJECTED',
  ApiBodyTooLarge: 'API_BODY_TOO_LARGE',
  ApiInvalidJson: 'API_INVALID_JSON',
  ApiMethodNotAllowed: 'API_METHOD_NOT_ALLOWED',
  /** The CLI found no running instance, could not connect, or had its token refused. */
  InstanceUnreachable: 'INSTANCE_UNREACHABLE',
  /** An IPC call from a frame that is not the app's own UI (desktop app). */
  IpcSenderRejected: 'IPC_SENDER_REJECTED',
  /**
   * The OS offers no secure storage for the central password (Electron safeStorage: no keychain,
   * DPAPI or Linux secret service), so it is not stored rather than stored in clear.
   */
  SecureStorageUnavailable: 'SECURE_STORAGE_UNAVAILABLE',
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export class OutpostError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OutpostError';
    this.code = code;
    this.details = options.details;
  }

  toPayload(): ErrorPayload {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isOutpostError(error: unknown, code?: ErrorCode): error is OutpostError {
  return error instanceof OutpostError && (code === undefined || error.code === code);
}

/** Wraps anything thrown into an OutpostError without losing the original as `cause`. */
export function toOutpostError(error: unknown, fallbackCode: ErrorCode = ErrorCode.Internal) {
  if (error instanceof OutpostError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new OutpostError(fallbackCode, message, { cause: error });
}

// Server error codes that are transient by nature. The driver labels most of them itself
// (RetryableWriteError, ResetPool...); this list covers the ones that reach us unlabelled.
// https://github.com/mongodb/mongo/blob/master/src/mongo/base/error_codes.yml
const TRANSIENT_SERVER_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
  112, // WriteConflict
  251, // NoSuchTransaction (transaction aborted under us)
]);

const TRANSIENT_ERROR_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
  'MongoNotConnectedError',
]);

const TRANSIENT_LABELS = [
  'RetryableWriteError',
  'TransientTransactionError',
  'ResumableChangeStreamError',
  'NetworkError',
];

/** One document's failure in a bulk write. */
export interface DocumentWriteError {
  index: number;
  code: number;
  errmsg?: string;
  err?: unknown;
}

/**
 * The per-document errors of a failed bulk write, or undefined when the batch failed as a whole
 * (a lost connection, a retryable error): then it is retried as it is, not judged per document.
 */
export function documentWriteErrors(error: unknown): readonly DocumentWriteError[] | undefined {
  const bulk = error as { name?: unknown; writeErrors?: unknown } | null;
  if (bulk?.name !== 'MongoBulkWriteError' || isRetryable(error)) return undefined;
  const reported = bulk.writeErrors as
    DocumentWriteError | readonly DocumentWriteError[] | undefined;
  const errors = Array.isArray(reported)
    ? reported
    : reported
      ? [reported as DocumentWriteError]
      : [];
  return errors.length > 0 ? errors : undefined;
}

/**
 * The one predicate that decides whether an operation failing with `error` may be retried as is.
 * Anything not known to be transient is permanent, so a poison input cannot retry forever.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof OutpostError) {
    return error.code === ErrorCode.CentralUnreachable || error.code === ErrorCode.MongodNotRunning;
  }
  if (typeof error !== 'object' || error === null) return false;
  const cause = (error as { cause?: unknown }).cause;
  if (cause !== undefined && cause !== error && isRetryable(cause)) return true;
  const bulk = error as { name?: unknown; writeErrors?: unknown; message?: unknown };
  // The driver reports a lost connection during a bulk write as a MongoBulkWriteError without
  // per-document errors, carrying the topology's message.
  if (
    bulk.name === 'MongoBulkWriteError' &&
    (!Array.isArray(bulk.writeErrors) || bulk.writeErrors.length === 0) &&
    typeof bulk.message === 'string' &&
    /Topology is closed|not connected|Server selection timed out|connection .* closed|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT/i.test(
      bulk.message,
    )
  ) {
    return true;
  }
  const candidate = error as {
    name?: unknown;
    code?: unknown;
    hasErrorLabel?: (label: string) => boolean;
  };
  if (typeof candidate.name === 'string' && TRANSIENT_ERROR_NAMES.has(candidate.name)) return true;
  if (typeof candidate.hasErrorLabel === 'function') {
    const hasLabel = candidate.hasErrorLabel.bind(error);
    if (TRANSIENT_LABELS.some((label) => hasLabel(label))) return true;
  }
  return typeof candidate.code === 'number' && TRANSIENT_SERVER_CODES.has(candidate.code);
}
