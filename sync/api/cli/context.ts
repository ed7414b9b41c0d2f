import type { Command } from 'commander';

/**
 * What a CLI command gets from the process that runs it. Passed in rather than read from
 * `process` so that sync/ stays free of `process.env` and commands can be tested.
 */
export interface CliContext {
  env: Record<string, string | undefined>;
  /** Writes one line for the user (stdout). */
  out(line: string): void;
  /** Writes one line of diagnostics (stderr). */
  err(line: string): void;
  /**
   * Calls `handler` on the first SIGINT or SIGTERM; what a second one does is the host's choice
   * (the real CLI exits at once). Returns the unsubscribe function.
   */
  onStopSignal(handler: (signal: string) => void): () => void;
  /**
   * The development harness's mongod (a native binary or the Wine wrapper), used when no other
   * mongod is found; set by bin/outpost.js when run from a repository that has provisioned one.
   */
  devMongodBinary?: string | undefined;
}

/** A command module: adds its command (and options) to the program. */
export type RegisterCommand = (program: Command, context: CliContext) => void;
