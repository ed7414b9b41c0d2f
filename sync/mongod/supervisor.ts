import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { MongoServerError, type Document, type MongoClient } from 'mongodb';
import { ErrorCode, OutpostError, toOutpostError } from '../errors.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import { backoffDelay, sleep, type BackoffPolicy } from '../util/backoff.js';
import { findFreePort, isPortFree } from '../util/ports.js';
import { unlessStalled } from '../util/stall.js';
import { assertExecutable } from './binary.js';
import {
  acquireDataDirLock,
  ensureWritableDir,
  hadUncleanShutdown,
  isProcessAlive,
  type AcquiredLock,
  type LockOwner,
} from './data-dir-lock.js';
import { classifyStartExit } from './exit-reason.js';
import { captureOutput, type OutputCapture } from './output.js';
import {
  asMismatch,
  createAdminUser,
  ensureAppUser,
  signIn,
  withCredential,
  type LocalAuth,
} from './local-auth.js';
import {
  adminClient,
  connectWhenUp,
  ensureReplicaSet,
  localUri,
  waitForPrimary,
} from './replset.js';
import { assertTransition, type ExitInfo, type MongodState } from './state.js';

export interface MongodSupervisorOptions {
  /** Path of the mongod binary (see findMongodBinary), or a wrapper that execs it. */
  binary: string;
  dbPath: string;
  /** Port on 127.0.0.1; a free one is chosen on first start when absent, then kept. */
  port?: number | undefined;
  replSetName?: string;
  extraArgs?: readonly string[];
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** mongod's own log lines are appended here when set. */
  logFile?: string | undefined;
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
  restart?: BackoffPolicy & { stableAfterMs?: number };
  /** A running mongod that fails this many pings in a row is hung: it is killed and restarted. */
  watchdog?: { intervalMs: number; failures: number };
  /**
   * Access control (local-auth.ts): mongod runs with this key file, and its users are created on
   * the first start with it. Without it mongod accepts any local connection.
   */
  auth?: LocalAuth | undefined;
}

export interface RunningMongod {
  pid: number;
  port: number;
  /** Connection string for applications (the POS software), replica-set aware. */
  uri: string;
  /** Connection string for Outpost itself: the same, signed in as Outpost's user with auth on. */
  engineUri: string;
}

export interface MongodHealth {
  state: MongodState['name'];
  ok: boolean;
  pid?: number;
  port?: number;
  uptimeMs?: number;
  pingMs?: number;
  restarts: number;
  recoveredUncleanShutdown: boolean;
  /** False when mongod accepts connections without a password (no `auth`). */
  accessControl: boolean;
  lastExit?: ExitInfo;
  error?: { code: string; message: string };
}

// Permanent start failures: restarting cannot fix them, the operator must.
const PERMANENT = new Set<string>([
  ErrorCode.MongodBinaryMissing,
  ErrorCode.MongodBinaryNotExecutable,
  ErrorCode.DataDirNotWritable,
  ErrorCode.DataDirLocked,
  ErrorCode.ReplSetNameMismatch,
  ErrorCode.LocalAuthMismatch,
]);

/**
 * Runs the site's mongod as a single-node replica set on 127.0.0.1, restarts it when it dies and
 * stops it cleanly. An explicit state machine (state.ts); every transition is logged.
 */
export class MongodSupervisor {
  private current: MongodState = { name: 'stopped' };
  private readonly listeners = new Set<(state: MongodState) => void>();
  private readonly logger: Logger;
  private readonly replSetName: string;
  private readonly ownerToken = randomUUID();
  private port: number | undefined;
  private child: ChildProcess | undefined;
  private output: OutputCapture | undefined;
  private client: MongoClient | undefined;
  private lock: AcquiredLock | undefined;
  private startInFlight: Promise<RunningMongod> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopRequested = false;
  private restarts = 0;
  private recoveredUnclean = false;
  private lastExit: ExitInfo | undefined;
  /** Why the last start failed; shown by health() while restarting (a full disk, say). */
  private lastStartError: OutpostError | undefined;
  private runningSince = 0;
  private watchdogTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: MongodSupervisorOptions) {
    this.logger = (options.logger ?? silentLogger()).child({ component: 'mongod' });
    this.replSetName = options.replSetName ?? 'outpost';
    this.port = options.port;
  }

  get state(): MongodState {
    return this.current;
  }

  get running(): RunningMongod | undefined {
    const state = this.current;
    return state.name === 'running'
      ? { pid: state.pid, port: state.port, ...this.uris(state.port) }
      : undefined;
  }

  onStateChange(listener: (state: MongodState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts mongod, or returns the running one; concurrent calls share one start. */
  start(): Promise<RunningMongod> {
    const running = this.running;
    if (running) return Promise.resolve(running);
    this.stopRequested = false;
    this.startInFlight ??= this.launch(0).finally(() => (this.startInFlight = undefined));
    return this.startInFlight;
  }

  /** Resolves once mongod is running again (after a crash and restart), or rejects on timeout. */
  waitUntilRunning(timeoutMs = 60_000): Promise<RunningMongod> {
    const running = this.running;
    if (running) return Promise.resolve(running);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        reject(
          new OutpostError(
            ErrorCode.MongodNotRunning,
            `mongod did not come back within ${timeoutMs} ms.`,
          ),
        );
      }, timeoutMs);
      const unsubscribe = this.onStateChange(() => {
        const now = this.running;
        if (now) {
          clearTimeout(timer);
          unsubscribe();
          resolve(now);
        }
      });
    });
  }

  async stop(): Promise<void> {
    this.stopRequested = true;
    clearTimeout(this.restartTimer);
    clearInterval(this.watchdogTimer);
    await this.startInFlight?.catch(() => undefined);
    const name = this.current.name;
    if (name === 'stopped') return;
    if (name !== 'stopping') this.transition({ name: 'stopping' });
    await this.shutdownChild();
    await this.lock?.release();
    this.lock = undefined;
    this.transition({ name: 'stopped' });
  }

  async health(): Promise<MongodHealth> {
    const state = this.current;
    const base: MongodHealth = {
      state: state.name,
      ok: false,
      restarts: this.restarts,
      recoveredUncleanShutdown: this.recoveredUnclean,
      accessControl: this.options.auth !== undefined,
      ...(this.lastExit ? { lastExit: this.lastExit } : {}),
      ...(state.name === 'failed'
        ? { error: { code: state.error.code, message: state.error.message } }
        : state.name !== 'running' && this.lastStartError
          ? { error: { code: this.lastStartError.code, message: this.lastStartError.message } }
          : {}),
    };
    if (state.name !== 'running' || !this.client) return base;
    const started = performance.now();
    try {
      await unlessStalled(this.client.db('admin').command({ ping: 1 }), 2_000, 'mongod ping');
      return {
        ...base,
        ok: true,
        pid: state.pid,
        port: state.port,
        uptimeMs: Date.now() - this.runningSince,
        pingMs: Math.round((performance.now() - started) * 10) / 10,
      };
    } catch (error) {
      return {
        ...base,
        pid: state.pid,
        port: state.port,
        error: toOutpostError(error).toPayload(),
      };
    }
  }

  private transition(next: MongodState): void {
    const from = this.current.name;
    assertTransition(from, next.name);
    this.current = next;
    const attributes =
      next.name === 'failed' ? { code: next.error.code, reason: next.error.message } : {};
    this.logger.info({ event: 'mongod.state-changed', from, to: next.name, ...attributes });
    for (const listener of this.listeners) listener(next);
  }

  private async launch(attempt: number): Promise<RunningMongod> {
    this.transition({ name: 'starting', attempt });
    try {
      const running = await this.spawnAndWait();
      const { pid, port, uri } = running;
      this.transition({ name: 'running', pid, port, uri, since: new Date().toISOString() });
      this.runningSince = Date.now();
      this.startWatchdog();
      this.lastStartError = undefined;
      return running;
    } catch (error) {
      const failure = toOutpostError(error);
      this.lastStartError = failure;
      await this.killChild();
      await this.closeClient();
      if (attempt > 0 && !this.stopRequested && !PERMANENT.has(failure.code)) {
        this.scheduleRestart(attempt, this.lastExit);
      } else {
        await this.lock?.release();
        this.lock = undefined;
        this.transition({ name: 'failed', error: failure });
      }
      throw failure;
    }
  }

  private async spawnAndWait(): Promise<RunningMongod> {
    const { binary, dbPath } = this.options;
    const startTimeoutMs = this.options.startTimeoutMs ?? 90_000;
    await assertExecutable(binary);
    await ensureWritableDir(dbPath);
    if (!this.lock) {
      const owner: LockOwner = {
        supervisorPid: process.pid,
        token: this.ownerToken,
        hostname: os.hostname(),
      };
      this.lock = await acquireDataDirLock(dbPath, owner);
      await this.stopOrphan(this.lock.staleOwner);
    }
    const port = (this.port ??= await findFreePort());
    if (!(await isPortFree(port))) {
      throw classifyStartExit({ dbPath, port, code: 48, signal: null, lastLines: [] });
    }
    const unclean = await hadUncleanShutdown(dbPath);
    const args = ['--dbpath', dbPath, '--port', String(port), '--bind_ip', '127.0.0.1'];
    args.push('--replSet', this.replSetName, ...(this.options.extraArgs ?? []));
    const { auth } = this.options;
    if (auth) args.push('--keyFile', auth.keyFile);
    const child = spawn(binary, args, {
      env: this.options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
      // POSIX: a session and process group of its own, so a terminal's Ctrl-C (sent to the whole
      // foreground group) does not reach mongod and shut it down under the engine; Outpost stops
      // it itself. The pid stays the one to signal: kill() and the watchdog target it alone, not
      // the group (under Wine the group also holds helpers shared by every mongod of the prefix).
      // Not on Windows, where `detached` gives the child a console window of its own.
      detached: process.platform !== 'win32',
    });
    this.child = child;
    this.output = captureOutput(child, this.options.logFile);
    const exited = new AbortController();
    child.once('error', () => exited.abort());
    child.once('exit', (code, signal) => {
      this.lastExit = {
        code,
        signal,
        at: new Date().toISOString(),
        lastLines: this.output?.lastLines() ?? [],
      };
      exited.abort();
      this.onChildExit(child);
    });
    const exitError = () =>
      classifyStartExit({
        dbPath,
        port,
        code: this.lastExit?.code ?? null,
        signal: this.lastExit?.signal ?? null,
        lastLines: this.lastExit?.lastLines ?? [],
      });
    const deadline = Date.now() + startTimeoutMs;
    const reachable = await connectWhenUp(port, deadline, exited.signal);
    if (!reachable) throw exitError();
    this.client = reachable;
    // With access control: signed in as Outpost's user, or, before it exists, through the
    // localhost exception until the replica set is up and the user made.
    const signedIn = auth && (await signIn(adminClient(port, auth.admin)));
    if (signedIn) await this.useClient(signedIn);
    const outcome = await ensureReplicaSet(this.client, this.replSetName, port, dbPath).catch(
      (error: unknown) => {
        throw auth && !signedIn ? asMismatch(error, auth, dbPath) : error;
      },
    );
    await waitForPrimary(this.client, deadline, exited.signal);
    if (auth) {
      if (!signedIn) {
        await createAdminUser(this.client, auth, dbPath);
        const admin = await signIn(adminClient(port, auth.admin));
        if (!admin) throw new Error('mongod refused the user it has just created');
        await this.useClient(admin);
        this.logger.info({ event: 'mongod.auth-enabled', user: auth.admin.user, dbPath });
      }
      if (await ensureAppUser(this.client, auth))
        this.logger.info({ event: 'mongod.app-user-created', user: auth.app.user });
    }
    if (exited.signal.aborted || child.pid === undefined) throw exitError();
    await this.lock.update({ port, mongodPid: child.pid });
    this.logger.info({ event: 'mongod.ready', port, pid: child.pid, replSet: outcome, dbPath });
    if (unclean) {
      this.recoveredUnclean = true;
      this.logger.warn({ event: 'mongod.unclean-shutdown-recovered', dbPath });
    }
    return { pid: child.pid, port, ...this.uris(port) };
  }

  private uris(port: number): { uri: string; engineUri: string } {
    const uri = localUri(port, this.replSetName);
    const { auth } = this.options;
    return {
      uri: withCredential(uri, auth?.app),
      engineUri: withCredential(uri, auth?.admin),
    };
  }

  /** Replaces the admin client (closing the previous one). */
  private async useClient(client: MongoClient): Promise<void> {
    await this.closeClient();
    this.client = client;
  }

  /**
   * A process can be alive yet never answer again (seen: mongod under Wine after an access
   * violation). Consecutive failed pings count as a crash: kill, then the restart path.
   */
  private startWatchdog(): void {
    const { intervalMs, failures } = this.options.watchdog ?? { intervalMs: 5_000, failures: 4 };
    let missed = 0;
    clearInterval(this.watchdogTimer);
    this.watchdogTimer = setInterval(() => {
      const client = this.client;
      const child = this.child;
      if (this.current.name !== 'running' || !client || !child) return;
      unlessStalled(client.db('admin').command({ ping: 1 }), intervalMs, 'mongod ping').then(
        () => (missed = 0),
        () => {
          if (++missed < failures || this.current.name !== 'running') return;
          this.logger.error({
            event: 'mongod.unresponsive',
            pid: child.pid,
            missedPings: missed,
          });
          child.kill('SIGKILL');
        },
      );
    }, intervalMs);
    this.watchdogTimer.unref();
  }

  private onChildExit(child: ChildProcess): void {
    if (child !== this.child) return;
    this.child = undefined;
    clearInterval(this.watchdogTimer);
    if (this.current.name !== 'running' || this.stopRequested) return;
    this.logger.error({ event: 'mongod.exited-unexpectedly', ...this.lastExit });
    void this.closeClient();
    const stable = Date.now() - this.runningSince > (this.options.restart?.stableAfterMs ?? 60_000);
    this.scheduleRestart(stable ? 0 : this.restarts, this.lastExit);
  }

  private scheduleRestart(attempt: number, lastExit: ExitInfo | undefined): void {
    const policy = this.options.restart ?? { initialMs: 500, maxMs: 30_000 };
    const delayMs = backoffDelay(policy, attempt);
    this.restarts++;
    const exit = lastExit ?? {
      code: null,
      signal: null,
      at: new Date().toISOString(),
      lastLines: [],
    };
    this.transition({ name: 'restarting', attempt: attempt + 1, delayMs, lastExit: exit });
    this.restartTimer = setTimeout(() => {
      if (this.stopRequested) return;
      this.startInFlight = this.launch(attempt + 1).finally(() => (this.startInFlight = undefined));
      this.startInFlight.catch((error: unknown) =>
        this.logger.warn({ event: 'mongod.restart-failed', attempt: attempt + 1, error }),
      );
    }, delayMs);
  }

  /** Clean stop: the shutdown command, then a wait, then kill only after the timeout. */
  private async shutdownChild(): Promise<void> {
    const child = this.child;
    const stopTimeoutMs = this.options.stopTimeoutMs ?? 30_000;
    if (child && child.exitCode === null && this.client) {
      // Bounded: a hung mongod (stopped, deadlocked) never answers, and must reach the kill below.
      const bounded = (command: Document) =>
        unlessStalled(this.client!.db('admin').command(command), stopTimeoutMs, 'mongod shutdown');
      try {
        await bounded({ shutdown: 1 });
      } catch (error) {
        // The command closes the connection as it succeeds; a server error means it refused.
        if (error instanceof MongoServerError) {
          await bounded({ shutdown: 1, force: true }).catch(() => undefined);
        }
      }
    }
    await this.closeClient();
    if (child && !(await waitForExit(child, stopTimeoutMs))) {
      this.logger.warn({ event: 'mongod.kill-after-timeout', pid: child.pid });
      await this.killChild();
    }
  }

  private async killChild(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await waitForExit(child, 10_000);
  }

  private async closeClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client
      ?.close(true)
      .catch((error: unknown) => this.logger.debug({ event: 'mongod.client-close-failed', error }));
  }

  /** A mongod left running by an Outpost that died: stop it before starting our own. */
  private async stopOrphan(owner: LockOwner | undefined): Promise<void> {
    if (!owner?.mongodPid || owner.hostname !== os.hostname() || !isProcessAlive(owner.mongodPid))
      return;
    this.logger.warn({ event: 'mongod.orphan-found', pid: owner.mongodPid, port: owner.port });
    if (owner.port) {
      const client = adminClient(owner.port, this.options.auth?.admin);
      await client
        .db('admin')
        .command({ shutdown: 1, force: true })
        .catch(() => undefined);
      await client.close(true).catch(() => undefined);
    }
    for (let waited = 0; waited < 15_000 && isProcessAlive(owner.mongodPid); waited += 200)
      await sleep(200);
    if (isProcessAlive(owner.mongodPid)) process.kill(owner.mongodPid, 'SIGKILL');
  }
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export function createMongodSupervisor(options: MongodSupervisorOptions): MongodSupervisor {
  return new MongodSupervisor(options);
}
