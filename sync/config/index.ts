export {
  configSchema,
  configFileSchema,
  collectionRuleSchema,
  isValidDatabaseName,
  isValidCollectionName,
  ConflictStrategy,
  SyncDirection,
  LOG_LEVELS,
} from './schema.js';
export type {
  CollectionRule,
  CollectionRuleInput,
  Config,
  ConfigFileInput,
  ConfigInput,
  ConfigPatch,
  DeepReadonly,
  LogLevel,
} from './schema.js';
export { CONFIG_ENV_VARS, loadConfig, readConfigFile } from './load.js';
export type { LoadConfigOptions } from './load.js';
export { saveConfig, updateConfig } from './save.js';
export { redactConfig } from './redact.js';
export type { ConfigIssue } from './issues.js';
