import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { RecentError } from '../../core/status.js';

/** How many recent errors a status report carries. */
export const RECENT_ERRORS = 10;

/** The last errors and warnings of the agent's components, most recent first, and how many there were. */
export class RecentErrors {
  private readonly ring: RecentError[] = [];
  private count = 0;

  constructor(private readonly capacity = RECENT_ERRORS) {}

  /** Remembers one error of a component. */
  add(component: string, message: string, ts = Date.now()): void {
    this.count++;
    this.ring.unshift({ ts, component, message });
    if (this.ring.length > this.capacity) this.ring.length = this.capacity;
  }

  /** Most recent first. */
  list(): RecentError[] {
    return this.ring.map((e) => ({ ...e }));
  }

  /** Errors and warnings since the agent started. */
  get total(): number {
    return this.count;
  }
}

/** Which component a child logger belongs to, from the bindings the agent gives them. */
function componentOf(bindings: Record<string, unknown>, inherited: string): string {
  for (const key of ['source', 'processor', 'component']) {
    const value = bindings[key];
    if (typeof value === 'string') return value;
  }
  return inherited;
}

/** The message of a pino call: `(obj, msg)`, `(msg)` or `(err)`, with the error's own message added when it says more. */
export function logCallMessage(args: unknown[]): string {
  const [first, second] = args;
  if (typeof first === 'string') return first;
  if (first instanceof Error) return typeof second === 'string' ? `${second}: ${first.message}` : first.message;
  const err = first !== null && typeof first === 'object' ? (first as { err?: unknown }).err : undefined;
  const msg = typeof second === 'string' ? second : undefined;
  if (err === undefined || err === null) return msg ?? 'error (no message)';
  const detail = errorMessage(err);
  if (msg === undefined) return detail;
  return msg.includes(detail) ? msg : `${msg}: ${detail}`;
}

/** A log line's own `source`/`processor`/`component` field names the component better than the logger's. */
function componentOfCall(args: unknown[], inherited: string): string {
  const [first] = args;
  if (first === null || typeof first !== 'object' || first instanceof Error) return inherited;
  return componentOf(first as Record<string, unknown>, inherited);
}

const RECORDED_LEVELS = new Set(['warn', 'error', 'fatal']);

/**
 * Wraps a logger so every warn/error/fatal line (whatever the log level lets through) also lands in
 * `errors`, attributed to the component named by the child logger's bindings (`source`, `processor`,
 * `component`). Children made from it are wrapped too; everything else goes straight to the logger.
 */
export function recordingLogger(logger: Logger, errors: RecentErrors, component = 'agent'): Logger {
  // Wrappers dispatch by name on each call: pino swaps its level methods when the level changes.
  const wrappers = new Map<string, unknown>();
  const methods = target(logger);
  return new Proxy(logger, {
    get(inner, property) {
      if (property === 'child') {
        return (bindings: Record<string, unknown>, options?: object) => recordingLogger(inner.child(bindings, options), errors, componentOf(bindings, component));
      }
      const value: unknown = Reflect.get(inner, property, inner);
      if (typeof property !== 'string' || typeof value !== 'function') return value;
      let wrapper = wrappers.get(property);
      if (!wrapper) {
        wrapper = RECORDED_LEVELS.has(property)
          ? (...args: unknown[]) => {
              errors.add(componentOfCall(args, component), logCallMessage(args));
              return methods[property]!.apply(inner, args);
            }
          : (...args: unknown[]) => methods[property]!.apply(inner, args);
        wrappers.set(property, wrapper);
      }
      return wrapper;
    },
  });
}

function target(logger: Logger): Record<string, (...args: unknown[]) => unknown> {
  return logger as unknown as Record<string, (...args: unknown[]) => unknown>;
}
