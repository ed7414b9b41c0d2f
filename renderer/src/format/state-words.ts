import type { EngineState, StatusView } from '../../../sync/api/contract.js';
import { ago, count, duration } from './time.js';

/** Colour families of the status pill and card; CSS maps each to a colour. */
export type Tone = 'ok' | 'busy' | 'offline' | 'paused' | 'attention';

export interface StateWords {
  tone: Tone;
  /** What the pill says: "In sync", "Syncing…", "Offline — sales are safe on this computer". */
  title: string;
  /** One sentence more. */
  detail: string;
}

/** The engine's state and counts in the words a shop manager reads, with a colour. */
export function stateWords(status: StatusView, now: number): StateWords {
  const { state } = status;
  const pending = status.outboxDepth;
  if (status.duplicateInstance && state.name !== 'error') {
    return {
      tone: 'attention',
      title: 'Needs attention',
      detail:
        `Another computer (${status.duplicateInstance.otherHostname}) uses this site's identity. ` +
        'Two copies of one site cannot both sync: contact support.',
    };
  }
  const base = baseWords(state, pending, status.offlineSince, now);
  if (status.openConflicts > 0 && (base.tone === 'ok' || base.tone === 'busy')) {
    return {
      tone: 'attention',
      title: 'Needs attention',
      detail: `${count(status.openConflicts, 'record was', 'records were')} changed both here and at central: choose which version to keep in Conflicts.`,
    };
  }
  return base;
}

function baseWords(
  state: EngineState,
  pending: number,
  offlineSince: string | null,
  now: number,
): StateWords {
  switch (state.name) {
    case 'idle':
      return pending === 0
        ? { tone: 'ok', title: 'In sync', detail: 'Every change on this computer is at central.' }
        : syncing(pending);
    case 'syncing':
      return syncing(pending);
    case 'offline': {
      const since = offlineSince ?? state.since;
      return {
        tone: 'offline',
        title: 'Offline — sales are safe on this computer',
        detail: `Central has been unreachable for ${duration(now - Date.parse(since))}. ${waiting(pending)}`,
      };
    }
    case 'paused':
      return {
        tone: 'paused',
        title: 'Paused',
        detail: `Sync is paused. ${waiting(pending)}`,
      };
    case 'starting':
    case 'local-ready':
    case 'connecting':
      return {
        tone: 'busy',
        title: 'Connecting…',
        detail: 'Connecting to central. Sales are saved on this computer meanwhile.',
      };
    case 'stopped':
      return {
        tone: 'paused',
        title: 'Stopped',
        detail: `Sync has stopped (since ${ago(state.since, now)}). Sales are still saved on this computer.`,
      };
    case 'local-only':
      return { tone: 'paused', title: 'Not syncing', detail: localOnlyWords(state.reason) };
    case 'error':
      return {
        tone: 'attention',
        title: 'Needs attention',
        detail: `Sync stopped: ${state.error.message} Sales are still saved on this computer.`,
      };
  }
}

/** Why nothing syncs (sync/api/engine-options.ts syncMode), in the operator's terms. */
function localOnlyWords(reason: string): string {
  const base = 'This computer keeps its sales locally only';
  if (/central connection string/i.test(reason))
    return `${base}: no central database is set up yet. Add its connection string in Settings.`;
  if (/no database/i.test(reason)) return `${base}: no database is chosen to sync.`;
  return `${base}. ${reason}`;
}

function syncing(pending: number): StateWords {
  return {
    tone: 'busy',
    title: 'Syncing…',
    detail:
      pending > 0
        ? `Sending ${count(pending, 'change', 'changes')} to central.`
        : 'Exchanging changes with central.',
  };
}

function waiting(pending: number): string {
  return pending === 0
    ? 'No changes are waiting.'
    : `${count(pending, 'change is', 'changes are')} waiting and will be sent when sync resumes.`;
}

/** The conflict kinds of sync/conflicts/decide.ts in words. */
export function conflictKindWords(kind: string): string {
  switch (kind) {
    case 'update-update':
      return 'Changed here and at central';
    case 'insert-insert':
      return 'Created here and at central with the same ID';
    case 'update-delete':
      return 'Changed here, deleted at central';
    case 'delete-update':
      return 'Deleted here, changed at central';
    case 'unique':
      return 'Uses a value another record already has';
    default:
      return kind;
  }
}

export function directionWords(direction: string): string {
  switch (direction) {
    case 'both':
      return 'Both ways';
    case 'push':
      return 'Sent to central only';
    case 'pull':
      return 'Received from central only';
    case 'local-only':
      return 'Stays on this computer';
    default:
      return direction;
  }
}

export function strategyWords(strategy: string): string {
  switch (strategy) {
    case 'lww':
      return 'Latest change wins';
    case 'central-wins':
      return 'Central wins';
    case 'site-wins':
      return 'This site wins';
    case 'merge':
      return 'Merge field by field';
    case 'manual':
      return 'Ask me';
    default:
      return strategy;
  }
}
