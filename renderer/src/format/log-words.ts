import type { LogEntryView } from '../../../sync/api/contract.js';
import { showValue } from './compare.js';
import { duration } from './time.js';

const EVENTS: Record<string, string> = {
  'conflict.opened': 'A record needs your decision',
  'conflict.resolved': 'Conflict settled automatically',
  'conflict.resolved-by-operator': 'Conflict resolved',
  'operator.paused': 'Sync paused',
  'operator.resumed': 'Sync resumed',
  'operator.sync-requested': 'Sync requested',
  'operator.config-updated': 'Settings saved',
  'operator.config-applied': 'Settings put into effect',
  'config.reloaded': 'Config file read again',
  'config.reload-failed': 'Edited config file not applied',
  'operator.backup-created': 'Backup written',
  'operator.backup-restored': 'Backup restored',
  'backup.failed': 'Scheduled backup failed',
  'backup.before-first-sync': 'Backed up before the first sync',
  'backup.before-first-sync-failed': 'Backup before the first sync failed',
  'backup.before-new-central': 'Backed up before syncing with a new central',
  'backup.before-new-central-failed': 'Backup before syncing with a new central failed',
  'central.changed': 'Central is another one: syncing anew',
  'central.moved': 'Central moved to another cluster: copying its documents again',
  'alert.raised': 'Health alert',
  'alert.eased': 'Health alert eased',
  'alert.cleared': 'Health alert over',
  'operator.conflict-resolved': 'Decision sent',
  'operator.conflicts-auto-resolved': 'Conflicts settled in bulk',
  'operator.verify-started': 'Check of the data started',
  'operator.quarantine-retried': 'Set-aside changes tried again',
  'push.quarantined': 'A change could not be sent and was set aside',
  'pull.quarantined': 'A change from central could not be saved here and was set aside',
  'pull.caught-up': 'Caught up with central after a gap',
  'bootstrap.resumed': 'Resumed copying from central',
  'bootstrap.collections': 'Copying collections newly synced from central',
  'capture.collections-read': 'Queued what collections newly synced already held',
  'sync.went-offline': 'Central became unreachable',
  'sync.back-online': 'Connected to central again',
  'sync.failed': 'Sync stopped with an error',
};

/** A log entry as a sentence: what happened and to which record. */
export function logWords(entry: LogEntryView): { title: string; detail: string } {
  const a = entry.attributes;
  const key = a['key'] as { db?: string; coll?: string; id?: unknown } | undefined;
  const record = key?.coll ? `${key.coll} ${showValue(key.id)}` : '';
  const parts: string[] = [];
  if (record) parts.push(record);
  if (entry.event.startsWith('central.') && typeof a['db'] === 'string') parts.push(a['db']);
  if (typeof a['queued'] === 'number') parts.push(`${a['queued']} records queued to send`);
  if (typeof a['outcome'] === 'string') parts.push(`outcome: ${a['outcome']}`);
  if (typeof a['reason'] === 'string') parts.push(a['reason']);
  if (typeof a['durationMs'] === 'number') parts.push(`after ${duration(a['durationMs'])}`);
  if (typeof a['scanned'] === 'number') parts.push(`${a['scanned']} records checked`);
  if (Array.isArray(a['collections'])) parts.push(a['collections'].join(', '));
  if (typeof a['documents'] === 'number') parts.push(`${a['documents']} records`);
  if (typeof a['dir'] === 'string') parts.push(a['dir']);
  if (Array.isArray(a['applied']) && a['applied'].length > 0)
    parts.push(`in effect: ${a['applied'].join(', ')}`);
  if (Array.isArray(a['restartFor']) && a['restartFor'].length > 0)
    parts.push(`after a restart: ${a['restartFor'].join(', ')}`);
  if (typeof a['message'] === 'string') parts.push(a['message']);
  const title = EVENTS[entry.event] ?? entry.event;
  const label = typeof a['label'] === 'string' ? a['label'] : undefined;
  return { title: label ? `${title}: ${label}` : title, detail: parts.join(' · ') };
}
