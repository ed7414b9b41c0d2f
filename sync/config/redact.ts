import { redactUri } from '../logging/redact.js';
import { deepFreeze } from './merge.js';
import type { Config } from './schema.js';

/**
 * A copy of `config` safe to log, show in the settings window or print with `outpost config`:
 * the central connection string keeps its hosts and options but loses its user and password; the
 * alert webhook keeps its address's origin only (chat webhooks carry their secret in the path).
 */
export function redactConfig(config: Config): Config {
  const copy = structuredClone(config) as {
    central: { uri?: string | undefined };
    alerts: { webhookUrl?: string | undefined };
  };
  if (copy.central.uri !== undefined) copy.central.uri = redactUri(copy.central.uri);
  if (copy.alerts.webhookUrl !== undefined)
    copy.alerts.webhookUrl = `${new URL(copy.alerts.webhookUrl).origin}/***`;
  return deepFreeze(copy) as Config;
}
