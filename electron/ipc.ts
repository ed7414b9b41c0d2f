/**
 * The main side of the bridge: one `ipcMain.handle` on the invoke channel, dispatching to the
 * same handler set as the HTTP API (sync/api/handlers.ts), which knows every call of the contract
 * and validates its arguments with zod. Each invocation first checks who is asking; replies are
 * `{ok, result}` or `{ok: false, error: {code, message, details}}`, never a thrown exception.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { BRIDGE_EVENTS } from '../sync/api/contract.js';
import { toErrorPayload, type ApiHandlers } from '../sync/api/handlers.js';
import { ErrorCode, OutpostError } from '../sync/errors.js';
import type { Logger } from '../sync/logging/logger.js';
import { isAppUrl } from './app-protocol.js';
import { BRIDGE_CHANNELS, type IpcReply } from './bridge-channels.js';

/** What the sender check reads from an invocation. */
export type SenderEvent = Pick<IpcMainInvokeEvent, 'senderFrame' | 'sender'>;

/**
 * Only the app's own page, in its top frame, in one of the app's windows may call: an iframe, a
 * page navigated elsewhere (navigation is denied, but this does not rely on it) or a frame that is
 * gone (`senderFrame` is null) is refused.
 * https://www.electronjs.org/docs/latest/tutorial/security#17-validate-the-sender-of-all-ipc-messages
 */
export function isTrustedSender(
  event: SenderEvent,
  isAppWebContents: (sender: WebContents) => boolean,
): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  return isAppUrl(frame.url) && isAppWebContents(event.sender);
}

export interface BridgeIpcOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  handlers: Pick<ApiHandlers, 'invoke' | 'on'>;
  /** Whether the sending page is the app's own UI (normally `isTrustedSender`). */
  isTrusted(event: SenderEvent): boolean;
  /** The web contents that receive bridge events (the main window's). */
  eventTargets(): readonly WebContents[];
  logger: Logger;
}

export interface BridgeIpc {
  /** Handles one invocation (exported for tests; ipcMain calls it). */
  handle(event: SenderEvent, name: unknown, args: unknown): Promise<IpcReply>;
  dispose(): void;
}

export function registerBridgeIpc(options: BridgeIpcOptions): BridgeIpc {
  const log = options.logger.child({ component: 'ipc' });

  async function handle(event: SenderEvent, name: unknown, args: unknown): Promise<IpcReply> {
    if (!options.isTrusted(event)) {
      log.warn({
        event: 'ipc.sender-rejected',
        url: event.senderFrame?.url ?? null,
        call: typeof name === 'string' ? name : typeof name,
      });
      return failure(
        new OutpostError(
          ErrorCode.IpcSenderRejected,
          'This page may not control Outpost: only the app’s own window can.',
        ),
      );
    }
    if (typeof name !== 'string') {
      return failure(
        new OutpostError(ErrorCode.UnknownCall, 'A bridge call needs a name.', {
          details: { name: typeof name },
        }),
      );
    }
    try {
      // Unknown names and invalid arguments are refused here, by the shared handler set.
      return { ok: true, result: await options.handlers.invoke(name, args) };
    } catch (error) {
      log.debug({ event: 'ipc.call-failed', call: name, error });
      return failure(error);
    }
  }

  options.ipcMain.handle(BRIDGE_CHANNELS.invoke, (event, name: unknown, args: unknown) =>
    handle(event, name, args),
  );
  const unsubscribes = BRIDGE_EVENTS.map((name) =>
    options.handlers.on(name, (payload) => {
      // Runs inside the engine's state-change emission: a window going away must not throw there.
      try {
        for (const target of options.eventTargets()) {
          if (!target.isDestroyed()) target.send(BRIDGE_CHANNELS.event, name, payload);
        }
      } catch (error) {
        log.debug({ event: 'ipc.event-send-failed', name, error });
      }
    }),
  );

  return {
    handle,
    dispose() {
      options.ipcMain.removeHandler(BRIDGE_CHANNELS.invoke);
      for (const unsubscribe of unsubscribes) unsubscribe();
    },
  };
}

function failure(error: unknown): IpcReply {
  return { ok: false, error: toErrorPayload(error) };
}
