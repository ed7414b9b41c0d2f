import { ErrorCode, OutpostError, type ErrorPayload } from '../errors.js';

/** The engine's states, as the UI, tray and health checks see them. */
export const EngineStateName = {
  Starting: 'starting',
  LocalReady: 'local-ready',
  Connecting: 'connecting',
  Syncing: 'syncing',
  Idle: 'idle',
  Offline: 'offline',
  Paused: 'paused',
  Error: 'error',
  Stopped: 'stopped',
} as const;
export type EngineStateName = (typeof EngineStateName)[keyof typeof EngineStateName];

export type EngineState =
  | { name: Exclude<EngineStateName, 'offline' | 'error'>; since: string }
  | { name: 'offline'; since: string; reason: string }
  | { name: 'error'; since: string; error: ErrorPayload };

const ACTIVE: EngineStateName[] = ['syncing', 'idle', 'offline', 'paused', 'connecting'];

const TRANSITIONS: Record<EngineStateName, readonly EngineStateName[]> = {
  stopped: ['starting'],
  starting: ['local-ready', 'error', 'stopped'],
  'local-ready': ['connecting', 'paused', 'error', 'stopped'],
  connecting: [...ACTIVE, 'error', 'stopped'],
  syncing: [...ACTIVE, 'error', 'stopped'],
  idle: [...ACTIVE, 'error', 'stopped'],
  offline: [...ACTIVE, 'error', 'stopped'],
  paused: ['connecting', 'syncing', 'idle', 'offline', 'error', 'stopped'],
  error: ['starting', 'stopped'],
};

export function canTransition(from: EngineStateName, to: EngineStateName): boolean {
  return from === to || TRANSITIONS[from].includes(to);
}

export function assertEngineTransition(from: EngineStateName, to: EngineStateName): void {
  if (!canTransition(from, to)) {
    throw new OutpostError(
      ErrorCode.InvalidState,
      `The sync engine cannot go from "${from}" to "${to}".`,
      {
        details: { from, to },
      },
    );
  }
}
