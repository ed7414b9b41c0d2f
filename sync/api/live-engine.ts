/**
 * The engine the API, the tray and the CLI hold for the life of the process, while the engine
 * behind it is replaced when settings change (new rules, a central connection string set or
 * changed, tuning): `replace` stops the running engine, then starts the next one. Listeners
 * subscribe once, here, and follow every engine that takes the place.
 *
 * Replacing loses nothing: the stopped engine has recorded what it pushed and pulled in the
 * site's meta database, and the next one resumes from there (as after a restart of Outpost).
 */
import type { EngineContext } from '../engine/context.js';
import type { EngineStatus, SyncEngine } from '../engine/create-engine.js';
import type { ConflictService } from '../conflicts/service.js';
import type { EngineState } from '../status/engine-state.js';

type ConflictKey = { db: string; coll: string; id: unknown };

export class LiveEngine implements SyncEngine {
  private engine: SyncEngine;
  private detach: () => void;
  private readonly stateListeners = new Set<(state: EngineState) => void>();
  private readonly conflictListeners = new Set<(key: ConflictKey) => void>();
  /** The name of the last state passed to the listeners. */
  private lastState: EngineState['name'] | undefined;
  /** One replacement at a time, in the order asked. */
  private replacing: Promise<void> = Promise.resolve();

  constructor(initial: SyncEngine) {
    this.engine = initial;
    this.detach = this.attach(initial);
  }

  /** The engine running now. */
  get current(): SyncEngine {
    return this.engine;
  }

  get instanceId(): string {
    return this.engine.instanceId;
  }

  get context(): EngineContext | undefined {
    return this.engine.context;
  }

  get conflicts(): ConflictService | undefined {
    return this.engine.conflicts;
  }

  start(): Promise<void> {
    return this.engine.start();
  }

  stop(): Promise<void> {
    return this.engine.stop();
  }

  pause(): Promise<void> {
    return this.engine.pause();
  }

  resume(): Promise<void> {
    return this.engine.resume();
  }

  syncNow(): void {
    this.engine.syncNow();
  }

  caughtUp(): Record<string, number> {
    return this.engine.caughtUp();
  }

  status(): Promise<EngineStatus> {
    return this.engine.status();
  }

  onStateChange(listener: (state: EngineState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onConflictOpened(listener: (key: ConflictKey) => void): () => void {
    this.conflictListeners.add(listener);
    return () => this.conflictListeners.delete(listener);
  }

  /**
   * Stops the running engine and starts `next` in its place. A pause carries over, as across a
   * restart (the engine keeps it in the meta database). If `next` fails to start, it stays in
   * place in its error state (status says why) and the error is thrown.
   */
  replace(next: SyncEngine): Promise<void> {
    const run = this.replacing.then(async () => {
      const previous = this.engine;
      await previous.stop();
      this.detach();
      this.engine = next;
      this.detach = this.attach(next);
      // The listeners learn the new engine's state even if it never changes (local-only).
      const state = (await next.status()).state;
      if (state.name !== this.lastState) this.emitState(state);
      await next.start();
    });
    this.replacing = run.catch(() => undefined);
    return run;
  }

  private attach(engine: SyncEngine): () => void {
    const offState = engine.onStateChange((state) => this.emitState(state));
    const offConflict = engine.onConflictOpened((key) => {
      for (const listener of this.conflictListeners) listener(key);
    });
    return () => {
      offState();
      offConflict();
    };
  }

  private emitState(state: EngineState): void {
    this.lastState = state.name;
    for (const listener of this.stateListeners) listener(state);
  }
}
