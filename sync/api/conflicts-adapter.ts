/**
 * The engine's conflict service (sync/conflicts/service.ts) behind the bridge calls
 * `conflicts:resolve` and `conflicts:auto-resolve`: bridge arguments in, bridge views out. A merged
 * document arrives as relaxed Extended JSON, as every document crosses the bridge.
 */
import { BSON, type Document } from 'mongodb';
import type {
  ConflictAction,
  ConflictService as EngineConflictService,
} from '../conflicts/service.js';
import { ErrorCode, OutpostError } from '../errors.js';
import type { ResolveConflictArgs } from './contract.js';
import type { ConflictService } from './handlers.js';

function engineAction(args: ResolveConflictArgs): ConflictAction {
  switch (args.keep) {
    case 'merged':
      return { keep: 'merged', doc: BSON.EJSON.deserialize(args.doc) as Document };
    case 'renamed':
      return { keep: 'renamed', field: args.field, value: args.value };
    default:
      return { keep: args.keep };
  }
}

/** `current` is read at each call: the engine creates its service when it starts. */
export function apiConflictService(
  current: () => EngineConflictService | undefined,
): ConflictService {
  const service = (): EngineConflictService => {
    const found = current();
    if (found) return found;
    throw new OutpostError(
      ErrorCode.InvalidState,
      'Conflicts can be resolved once the sync engine has started.',
    );
  };
  /**
   * A settings change that replaced the engine (and perhaps closed its client of central) under
   * the call: said in words, rather than as the driver's closed-client error.
   */
  const guarded = async <T>(work: (engine: EngineConflictService) => Promise<T>): Promise<T> => {
    const used = service();
    try {
      return await work(used);
    } catch (error) {
      if (current() !== used)
        throw new OutpostError(
          ErrorCode.InvalidState,
          'The settings changed meanwhile, and the sync engine was replaced, so the decision ' +
            'may not have been recorded. Nothing was lost: look at the conflict again.',
          { cause: error },
        );
      throw error;
    }
  };
  return {
    resolve: (args) =>
      guarded(async (engine) => {
        const record = await engine.resolve(args.id, engineAction(args));
        return {
          id: record._id.toHexString(),
          state: record.state,
          outcome: record.resolution?.outcome ?? args.keep,
        };
      }),
    autoResolve: (args) =>
      guarded(async (engine) => {
        const { resolved, skipped, failed, remaining } = await engine.autoResolve(args);
        return { resolved, skipped, failed, remaining };
      }),
  };
}
