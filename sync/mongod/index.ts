export { findMongodBinary, type BinaryLookup, type FoundBinary } from './binary.js';
export {
  createMongodSupervisor,
  MongodSupervisor,
  type MongodHealth,
  type MongodSupervisorOptions,
  type RunningMongod,
} from './supervisor.js';
export type { MongodState } from './state.js';
export {
  createLocalAuth,
  loadLocalAuth,
  localAuthFiles,
  resolveLocalAuth,
  withCredential,
  type LocalAuth,
  type LocalCredential,
} from './local-auth.js';
