/**
 * What a failed bridge call throws in the renderer: the `{code, message, details}` the main side
 * sent (sync/api/handlers.ts toErrorPayload), or one made here when Outpost did not answer.
 */
export class BridgeError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'BridgeError';
    this.code = code;
    this.details = details;
  }
}

/** Any thrown value as a BridgeError (an Electron IPC rejection carries the payload as JSON). */
export function toBridgeError(error: unknown): BridgeError {
  if (error instanceof BridgeError) return error;
  if (typeof error === 'object' && error !== null) {
    const e = error as { code?: unknown; message?: unknown; details?: unknown };
    if (typeof e.code === 'string' && typeof e.message === 'string') {
      const details =
        typeof e.details === 'object' && e.details !== null
          ? (e.details as Record<string, unknown>)
          : {};
      return new BridgeError(e.code, e.message, details);
    }
    if (typeof e.message === 'string') return new BridgeError('INTERNAL', e.message);
  }
  return new BridgeError('INTERNAL', String(error));
}

export const UNREACHABLE = 'INSTANCE_UNREACHABLE';
export const UNAUTHORIZED = 'API_UNAUTHORIZED';
