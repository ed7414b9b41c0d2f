/**
 * Each health check's name in words, for people: every HealthCheck carries it as `label` (the
 * app's health card), and every alert (Activity, notifications, the webhook).
 */
import type { HealthCheckName } from './health.js';

export const CHECK_NAMES: Record<HealthCheckName, string> = {
  'sync-enabled': 'Sync',
  'local-database': 'This computer’s database',
  'central-database': 'Central',
  worker: 'Sync workers',
  'queue-size': 'Changes waiting',
  'sync-lag': 'Delay',
  'failure-rate': 'Failures',
  conflicts: 'Conflicts',
  quarantine: 'Set aside',
  'clock-skew': 'Clock',
  'disk-space': 'Disk space',
  'instance-id': 'Instance ID',
  backup: 'Backups',
};
