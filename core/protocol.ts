import { TributaryError } from './errors.js';
import { batchCrc, type Codec, type StoredBatch } from './log/batch.js';

/**
 * The agent <-> hub protocol over MQTT 3.1.1 (docs/protocol.md). Every topic lives under the agent's
 * own prefix, which the hub's ACL enforces: an agent can only publish and subscribe below it.
 */
export const PROTOCOL_VERSION = 1;
export const TOPIC_ROOT = 'tributary/v1/agents';

export const topics = {
  /** Prefix of every topic of one agent. */
  agentPrefix: (agentId: string) => `${TOPIC_ROOT}/${agentId}/`,
  /** agent -> hub, QoS 1, JSON `Hello`: sent after every (re)connect. */
  hello: (agentId: string) => `${TOPIC_ROOT}/${agentId}/hello`,
  /** hub -> agent, QoS 1, JSON `Positions`: the answer to a hello. */
  positions: (agentId: string) => `${TOPIC_ROOT}/${agentId}/positions`,
  /** agent -> hub, QoS 1, a batch frame (`encodeBatchFrame`). */
  batches: (agentId: string, partition: number) => `${TOPIC_ROOT}/${agentId}/batches/${partition}`,
  /** agent -> hub, QoS 0, JSON status heartbeat. */
  status: (agentId: string) => `${TOPIC_ROOT}/${agentId}/status`,
} as const;

/** What a topic under TOPIC_ROOT means, or undefined for any other topic. */
export type ParsedTopic =
  | { agentId: string; kind: 'hello' | 'positions' | 'status' }
  | { agentId: string; kind: 'batches'; partition: number };

/** Splits `tributary/v1/agents/<id>/<kind>[/<partition>]`. */
export function parseTopic(topic: string): ParsedTopic | undefined {
  if (!topic.startsWith(`${TOPIC_ROOT}/`)) return undefined;
  const parts = topic.slice(TOPIC_ROOT.length + 1).split('/');
  const [agentId, kind, partition] = parts;
  if (!agentId) return undefined;
  if ((kind === 'hello' || kind === 'positions' || kind === 'status') && parts.length === 2) return { agentId, kind };
  if (kind === 'batches' && parts.length === 3 && /^\d{1,6}$/.test(partition ?? '')) return { agentId, kind, partition: Number(partition) };
  return undefined;
}

/** agent -> hub after each connect: which log it forwards. */
export interface Hello {
  logId: string;
  partitions: number;
  agentVersion: string;
}

/** hub -> agent: the next offset the hub expects, per partition of one agent log. */
export interface Positions {
  logId: string;
  /** partition -> next offset the hub expects (0 when it has nothing yet). */
  next: Record<string, number>;
}

/** The header of a batch on the wire: the agent log's own batch header, plus what the hub needs. */
export interface BatchHeader {
  logId: string;
  partition: number;
  baseOffset: number;
  count: number;
  firstTs: number;
  maxTs: number;
  codec: Codec;
  /** CRC32 of header fields and body as `batchCrc` computes it with the agent's partition and offsets. */
  crc: number;
  /**
   * Set when the agent lost records before `baseOffset` on purpose (when_full: drop_oldest, corrupt
   * batches): the hub accepts the gap from `gapFrom` and counts the records as lost at the edge.
   */
  gapFrom?: number;
}

const MAGIC = Buffer.from('TRB');

/** Frames a batch for publishing: 'TRB', version, u16 header length, JSON header, body as stored. */
export function encodeBatchFrame(header: BatchHeader, body: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(6);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt8(PROTOCOL_VERSION, 3);
  prefix.writeUInt16BE(json.length, 4);
  return Buffer.concat([prefix, json, body]);
}

/** The header a stored agent batch travels with. */
export function headerOf(logId: string, batch: StoredBatch, gapFrom?: number): BatchHeader {
  const header: BatchHeader = { logId, partition: batch.partition, baseOffset: batch.baseOffset, count: batch.count, firstTs: batch.firstTs, maxTs: batch.maxTs, codec: batch.codec, crc: batch.crc };
  if (gapFrom !== undefined) header.gapFrom = gapFrom;
  return header;
}

/** Where a refused batch sits in the agent's log, when its header says so readably. */
export interface BatchPlacement {
  logId: string;
  partition: number;
  baseOffset: number;
  count: number;
}

/** ERR_PROTOCOL_BAD_BATCH; `placement` is set when the header's log id and offsets were readable. */
export class BadBatchError extends TributaryError {
  constructor(
    message: string,
    readonly placement: BatchPlacement | undefined,
  ) {
    super('ERR_PROTOCOL_BAD_BATCH', message);
  }
}

/** Parses and checks a batch frame; throws BadBatchError (ERR_PROTOCOL_BAD_BATCH) saying what is wrong. */
export function decodeBatchFrame(frame: Buffer): { header: BatchHeader; body: Buffer } {
  const bad = (why: string, placement?: BatchPlacement) => new BadBatchError(`rejected batch: ${why}`, placement);
  if (frame.length < 6 || !frame.subarray(0, 3).equals(MAGIC)) throw bad('not a Tributary batch frame (bad magic)');
  const version = frame.readUInt8(3);
  if (version !== PROTOCOL_VERSION) throw bad(`protocol version ${version}, this hub speaks ${PROTOCOL_VERSION}`);
  const length = frame.readUInt16BE(4);
  if (frame.length < 6 + length) throw bad('header runs past the end of the frame');
  let header: BatchHeader;
  try {
    header = JSON.parse(frame.subarray(6, 6 + length).toString('utf8')) as BatchHeader;
  } catch {
    throw bad('header is not JSON');
  }
  const int = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (typeof header !== 'object' || header === null || typeof header.logId !== 'string' || header.logId.length === 0 || header.logId.length > 64) throw bad('header has no valid logId');
  for (const field of ['partition', 'baseOffset', 'count', 'crc'] as const) if (!int(header[field])) throw bad(`header field ${field} is not a whole number >= 0`);
  if (header.count === 0) throw bad('empty batch');
  // From here on the batch's place in the agent's log is known (the ingest may give it up there).
  const placement: BatchPlacement = { logId: header.logId, partition: header.partition, baseOffset: header.baseOffset, count: header.count };
  if (typeof header.firstTs !== 'number' || typeof header.maxTs !== 'number') throw bad('header timestamps are not numbers', placement);
  if (header.codec !== 0 && header.codec !== 1) throw bad(`unknown codec ${String(header.codec)}`, placement);
  if (header.gapFrom !== undefined && (!int(header.gapFrom) || header.gapFrom >= header.baseOffset)) throw bad('gapFrom must be below baseOffset', placement);
  const body = frame.subarray(6 + length);
  const crc = batchCrc({ partition: header.partition, baseOffset: header.baseOffset, count: header.count, firstTs: header.firstTs, maxTs: header.maxTs, codec: header.codec, body });
  if (crc !== header.crc) throw bad(`CRC mismatch (header says ${header.crc}, body gives ${crc})`, placement);
  return { header, body };
}
