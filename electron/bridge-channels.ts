/**
 * What the preload and the main process agree on: two IPC channels and the reply envelope. Kept
 * free of imports so that it can be bundled into the sandboxed preload, which may `require`
 * nothing but `electron` (https://www.electronjs.org/docs/latest/tutorial/sandbox#preload-scripts).
 */
import type { ErrorPayload } from '../sync/errors.js';

export const BRIDGE_CHANNELS = {
  /** `ipcRenderer.invoke(invoke, name, args)`: every bridge call goes through this one channel. */
  invoke: 'outpost:invoke',
  /** `webContents.send(event, name, payload)`: every bridge event. */
  event: 'outpost:event',
} as const;

/**
 * The reply to an invoke. Errors travel as data: an exception thrown by an `ipcMain.handle`
 * handler reaches the renderer as a bare message ("Error invoking remote method..."), losing its
 * code and details.
 */
export type IpcReply = { ok: true; result: unknown } | { ok: false; error: ErrorPayload };

export function isIpcReply(value: unknown): value is IpcReply {
  if (typeof value !== 'object' || value === null) return false;
  const reply = value as { ok?: unknown; error?: unknown };
  if (reply.ok === true) return 'result' in reply;
  if (reply.ok !== false || typeof reply.error !== 'object' || reply.error === null) return false;
  const error = reply.error as { code?: unknown; message?: unknown };
  return typeof error.code === 'string' && typeof error.message === 'string';
}
