import { pino, type Logger } from 'pino';

export type { Logger };

/** The levels a process logger can be set to, most verbose first (`silent` logs nothing). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Creates the process logger: JSON lines on stderr, level from the argument or TRIBUTARY_LOG_LEVEL. */
export function createLogger(name: string, level?: string): Logger {
  return pino(
    { name, level: level ?? process.env.TRIBUTARY_LOG_LEVEL ?? 'info', base: { pid: process.pid } },
    pino.destination({ dest: 2, sync: true }),
  );
}

/** A logger that discards everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
