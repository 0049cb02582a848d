/**
 * The agent's status heartbeat (docs/protocol.md, "Status"): published QoS 0 on
 * `tributary/v1/agents/<id>/status` every `intervalMs`, and as the MQTT last will (QoS 1,
 * `online: false`) so the hub learns of a lost connection. Counters are totals since the agent
 * started; the hub derives rates from two consecutive reports.
 */
export const STATUS_VERSION = 1;

export type SourceState = 'ok' | 'connecting' | 'reconnecting' | 'stalled' | 'error' | 'stopped';

export interface SourceHealth {
  id: string;
  /** Source type: serial, mqtt, generate. */
  type: string;
  state: SourceState;
  /** Why it is not ok (last error, device path missing, ...). */
  detail?: string;
  /** Records emitted since the agent started. */
  records: number;
  /** Frames or payloads that could not be parsed since the agent started. */
  badFrames: number;
}

export interface BufferPartitionStatus {
  partition: number;
  /** Records in the log not yet acknowledged by the hub. */
  records: number;
  /** Bytes on disk of the partition's batches (acknowledged ones until retention deletes them). */
  bytes: number;
  startOffset: number;
  nextOffset: number;
  whenFull: 'block' | 'drop_oldest' | 'drop_newest';
}

export interface RecentError {
  ts: number;
  /** Component id (source or processor id, `buffer`, `forward`). */
  component: string;
  message: string;
}

/** Fields every status message carries, the last will included. */
export interface StatusHeader {
  v: typeof STATUS_VERSION;
  online: boolean;
  /** Agent clock, ms since the epoch, when the message was made (the will: when its connection began). */
  ts: number;
  /** Increases by one per report since the agent started (the will carries the seq of its connect). */
  seq: number;
  /** The agent sends a report at least this often; the hub marks it offline after 3 missed intervals. */
  intervalMs: number;
}

/** The last will (`connection_lost`, set at connect time) and the goodbye of a clean stop (`shutdown`). */
export interface OfflineNotice extends StatusHeader {
  online: false;
  reason: 'shutdown' | 'connection_lost';
}

/** A full report, sent every `intervalMs` while connected. */
export interface AgentStatusReport extends StatusHeader {
  online: true;
  agentVersion: string;
  startedAt: number;
  flow: { name: string; version: string; sha256: string };
  /** The flow file with secret values redacted: in the first report after each connect only. */
  flowYaml?: string;
  buffer: { maxBytes: number; partitions: BufferPartitionStatus[] };
  forward: {
    state: 'connecting' | 'connected' | 'disconnected' | 'stopped' | 'disabled';
    detail?: string;
    /** Records not yet acknowledged by the hub, all partitions. */
    lagRecords: number;
    /** Age of the oldest record not yet acknowledged, in seconds (0 when none). */
    lagSeconds: number;
  };
  totals: {
    /** Records from sources. */
    in: number;
    /** Records appended to the log. */
    buffered: number;
    /** Records acknowledged by the hub. */
    forwarded: number;
    deadLetters: number;
    errors: number;
  };
  /** Records dropped since start, by reason (when_full policies, filters excluded). */
  drops: Record<string, number>;
  sources: SourceHealth[];
  /** Most recent first, at most 10. */
  errors: RecentError[];
}

export type StatusMessage = AgentStatusReport | OfflineNotice;

/** Parses and checks the header of a status payload; throws an Error saying what is wrong. */
export function parseStatusMessage(payload: Buffer | string): StatusMessage {
  const value: unknown = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  if (typeof value !== 'object' || value === null) throw new Error('expected a JSON object');
  const report = value as Partial<AgentStatusReport> & { reason?: unknown };
  if (report.v !== STATUS_VERSION) throw new Error(`expected v: ${STATUS_VERSION}, got ${JSON.stringify(report.v)}`);
  if (typeof report.online !== 'boolean') throw new Error('expected online: boolean');
  for (const field of ['ts', 'seq', 'intervalMs'] as const) {
    if (typeof report[field] !== 'number' || !Number.isFinite(report[field])) throw new Error(`expected ${field}: number`);
  }
  if (!report.online && report.reason !== 'shutdown' && report.reason !== 'connection_lost') throw new Error('expected reason: shutdown | connection_lost when online is false');
  if (report.online && (typeof report.totals !== 'object' || typeof report.buffer !== 'object' || !Array.isArray(report.sources))) throw new Error('expected totals, buffer and sources in an online report');
  return report as StatusMessage;
}
