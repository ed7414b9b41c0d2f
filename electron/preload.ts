/**
 * The Electron transport of the bridge: `window.outpost`, implementing BridgeContract over one
 * invoke channel and one event channel. The renderer never sees `ipcRenderer` (a page that could
 * call it could send anything on any channel) and nothing here blocks (no `sendSync`).
 *
 * Bundled to dist/electron/preload.cjs (electron/preload.vite.config.ts): a sandboxed preload is
 * a CommonJS script that may require only `electron`.
 */
import { contextBridge, ipcRenderer, type IpcRenderer, type IpcRendererEvent } from 'electron';
import type {
  BridgeCallName,
  BridgeCalls,
  BridgeContract,
  BridgeEventName,
  BridgeEvents,
} from '../sync/api/contract.js';
import type { ErrorPayload } from '../sync/errors.js';
import { BRIDGE_CHANNELS, isIpcReply } from './bridge-channels.js';

/** The part of ipcRenderer the bridge uses. */
export type BridgeIpc = Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;

function createPreloadBridge(ipc: BridgeIpc) {
  const call = async (name: string, args: unknown): Promise<unknown> => {
    const reply: unknown = await ipc.invoke(BRIDGE_CHANNELS.invoke, name, args);
    if (isIpcReply(reply) && reply.ok) return reply.result;
    const error: ErrorPayload =
      isIpcReply(reply) && !reply.ok
        ? reply.error
        : {
            code: 'INTERNAL',
            message: `The app answered ${name} with something that is not a bridge reply.`,
          };
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- see toRejection
    throw toRejection(error);
  };

  return {
    invoke<K extends BridgeCallName>(
      name: K,
      args: BridgeCalls[K]['args'],
    ): Promise<BridgeCalls[K]['result']> {
      return call(name, args) as Promise<BridgeCalls[K]['result']>;
    },

    on<K extends BridgeEventName>(
      name: K,
      listener: (payload: BridgeEvents[K]) => void,
    ): () => void {
      let active = true;
      let delivered = false;
      const handler = (_event: IpcRendererEvent, eventName: unknown, payload: unknown) => {
        if (!active || eventName !== name) return;
        delivered = true;
        listener(payload as BridgeEvents[K]);
      };
      ipc.on(BRIDGE_CHANNELS.event, handler);
      if (name === 'sync:status-changed') {
        // The contract sends the current state to each new listener; the main side sends events
        // to the window, not per listener, so the preload asks once, unless a change beat it.
        call('sync:get-status', undefined).then(
          (status) => {
            if (active && !delivered) {
              const state = (status as BridgeCalls['sync:get-status']['result']).state;
              listener({ state } as BridgeEvents[K]);
            }
          },
          () => undefined, // The next change event delivers the state; the UI shows call errors.
        );
      }
      return () => {
        active = false;
        ipc.removeListener(BRIDGE_CHANNELS.event, handler);
      };
    },
  } satisfies BridgeContract;
}

/**
 * contextBridge copies an Error's message but drops its other properties
 * (https://www.electronjs.org/docs/latest/api/context-bridge#parameter--error--return-type-support),
 * so a failed call rejects with the plain `{code, message, details}` object, which it copies whole.
 */
function toRejection(error: ErrorPayload): ErrorPayload {
  return error.details === undefined
    ? { code: error.code, message: error.message }
    : { code: error.code, message: error.message, details: error.details };
}

contextBridge.exposeInMainWorld('outpost', createPreloadBridge(ipcRenderer));
