import pino, { type Logger as PinoLogger } from 'pino';
import { redactDeep, redactUri } from './redact.js';

export type Logger = PinoLogger;
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface LoggerOptions {
  level?: LogLevel;
  /** Write JSON lines to this file (rotated by size); otherwise to stderr. */
  file?: string;
  /** Rotate the file when it grows past this many bytes. */
  maxFileBytes?: number;
  name?: string;
}

/**
 * Structured JSON logs: `logger.info({ event: 'mongod.state-changed', from, to }, 'text')`.
 * Every attribute and message is passed through redaction, so connection strings never leak.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.file
    ? pino.transport({
        target: 'pino-roll',
        options: {
          file: options.file,
          size: `${Math.max(1, Math.round((options.maxFileBytes ?? 10_000_000) / 1_000_000))}m`,
          limit: { count: 5 },
          mkdir: true,
        },
      })
    : pino.destination(2);
  return pino(
    {
      name: options.name ?? 'outpost',
      level: options.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: (object) => redactDeep(object) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? redactUri(arg) : arg)) as Parameters<
              typeof method
            >,
          );
        },
      },
    },
    destination,
  );
}

/** A logger that drops everything: for callers that did not pass one. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
