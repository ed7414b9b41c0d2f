/**
 * The bridge contract: every call the UI can make and every event it can receive, in one type.
 * The Electron preload and the HTTP client both implement it; the main side derives its handlers
 * from it. The renderer imports this file with `import type` only.
 */
import type { ErrorPayload } from '../errors.js';

export interface BridgeCalls {
  'app:get-info': {
    args: void;
    result: { version: string; instanceId: string; headless: boolean };
  };
}

export interface BridgeEvents {
  'app:error-raised': ErrorPayload;
}

export type BridgeCallName = keyof BridgeCalls;
export type BridgeEventName = keyof BridgeEvents;

/** What a transport exposes to the renderer. `on` returns its unsubscribe function. */
export interface BridgeContract {
  invoke<K extends BridgeCallName>(
    name: K,
    args: BridgeCalls[K]['args'],
  ): Promise<BridgeCalls[K]['result']>;
  on<K extends BridgeEventName>(name: K, listener: (payload: BridgeEvents[K]) => void): () => void;
}

/** Call names as a runtime list, for transports that validate what they are asked. */
export const BRIDGE_CALLS = ['app:get-info'] as const satisfies readonly BridgeCallName[];
