import type { OutpostError } from '../errors.js';
import { ErrorCode, OutpostError as OutpostErrorClass } from '../errors.js';

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  at: string;
  lastLines: string[];
}

/** The supervisor's state; `error` exists only where something failed. */
export type MongodState =
  | { name: 'stopped' }
  | { name: 'starting'; attempt: number }
  | { name: 'running'; pid: number; port: number; uri: string; since: string }
  | { name: 'restarting'; attempt: number; delayMs: number; lastExit: ExitInfo }
  | { name: 'stopping' }
  | { name: 'failed'; error: OutpostError };

export type MongodStateName = MongodState['name'];

const TRANSITIONS: Record<MongodStateName, readonly MongodStateName[]> = {
  stopped: ['starting'],
  starting: ['running', 'failed', 'stopping', 'restarting'],
  running: ['stopping', 'restarting'],
  restarting: ['starting', 'stopping'],
  stopping: ['stopped'],
  failed: ['starting', 'stopped', 'stopping'],
};

export function canTransition(from: MongodStateName, to: MongodStateName): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: MongodStateName, to: MongodStateName): void {
  if (!canTransition(from, to)) {
    throw new OutpostErrorClass(
      ErrorCode.InvalidState,
      `The mongod supervisor cannot go from "${from}" to "${to}".`,
      { details: { from, to } },
    );
  }
}
