export {
  DEFAULT_IDENTITY_SALT,
  deriveInstanceId,
  machineHashOf,
  resolveInstanceId,
} from './instance-id.js';
export type { ResolveInstanceIdOptions } from './instance-id.js';
export { createFileIdentityStore } from './store.js';
export type { IdentityStore } from './store.js';
export { IdentityChange, RetireReason, instanceIdentityRecordSchema } from './record.js';
export type { InstanceIdentity, InstanceIdentityRecord, RetiredIdentity } from './record.js';
