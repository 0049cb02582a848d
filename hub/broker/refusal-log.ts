import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';

/** Why the broker refused a client or dropped its connection. */
export const REFUSAL_REASONS = [
  'anonymous',
  'missing_password',
  'unknown_agent',
  'wrong_password',
  'revoked',
  'client_id',
  'connection_limit',
  'foreign_topic',
  'foreign_subscription',
  'oversized_packet',
  'malformed_packet',
  'publish_rejected',
  'server_error',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Who was refused, for the log line. */
export interface RefusalContext {
  agentId?: string;
  clientId?: string;
  address?: string;
  [field: string]: unknown;
}

/** Repeats of the same refusal (reason, agent, address) within this window are counted, not logged. */
const QUIET_WINDOW_MS = 60_000;
const MAX_TRACKED = 10_000;

/**
 * Logs each refusal once, as one warn line with its reason, and counts it in
 * `tributary_hub_refusals_total{reason}`. A client refused in a loop (a wrong password retried every
 * second) gets one line per minute with the number of repeats, not one line per attempt.
 */
export class RefusalLog {
  private readonly recent = new Map<string, { loggedAt: number; repeats: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly metrics: Metrics | undefined,
  ) {
    // Every reason's series exists at 0 from the start, so increase() / rate() alerts see the first refusal.
    for (const reason of REFUSAL_REASONS) metrics?.counter('tributary_hub_refusals_total', { reason });
  }

  refuse(reason: RefusalReason, context: RefusalContext, message: string): void {
    this.metrics?.inc('tributary_hub_refusals_total', { reason });
    const key = `${reason}\0${context.agentId ?? context.clientId ?? ''}\0${context.address ?? ''}`;
    const now = Date.now();
    const seen = this.recent.get(key);
    if (seen !== undefined && now - seen.loggedAt < QUIET_WINDOW_MS) {
      seen.repeats++;
      return;
    }
    if (this.recent.size >= MAX_TRACKED) this.recent.delete(this.recent.keys().next().value as string);
    this.recent.set(key, { loggedAt: now, repeats: 0 });
    const repeats = seen?.repeats ?? 0;
    this.logger.warn({ reason, ...context, ...(repeats > 0 ? { repeatsSinceLastLine: repeats } : {}) }, message);
  }
}
