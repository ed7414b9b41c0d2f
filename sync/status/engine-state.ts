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
  /** Not an engine state: what an instance without an engine (no central configured) reports. */
  LocalOnly: 'local-only',
} as const;
export type EngineStateName = (typeof EngineStateName)[keyof typeof EngineStateName];

export type EngineState =
  | { name: Exclude<EngineStateName, 'offline' | 'error' | 'local-only'>; since: string }
  | { name: 'offline'; since: string; reason: string }
  | { name: 'local-only'; since: string; reason: string }
  | { name: 'error'; since: string; error: ErrorPayload };

/** One restart of a supervised loop: when, and whether the error was a transient one. */
export interface LoopRestart {
  at: string;
  retryable: boolean;
}

/**
 * Liveness of one supervised engine loop (`capture:<db>`, `pull:<db>`, `push`, `heartbeat`), as
 * the engine reports it in its status and the health "worker" check reads it.
 */
export interface LoopLiveness {
  /** When the loop body was last started, restarted or began another iteration (ISO). */
  startedAt: string;
  /** Restarts after a failure since the engine started. */
  restarts: number;
  /** The most recent restarts, oldest first (bounded: see LOOP_RESTART_HISTORY). */
  recentRestarts: LoopRestart[];
  /** The error of the most recent failure, if it failed since the engine started. */
  lastError?: ErrorPayload;
}

/** How many recent restarts each loop keeps; health thresholds on restarts stay below it. */
export const LOOP_RESTART_HISTORY = 50;

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
  'local-only': [],
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
