import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { TributaryError } from '../errors.js';
import type { DataRecord } from '../record.js';

/** How a batch body is encoded. Stored per batch and sent on the wire unchanged. */
export const Codec = {
  /** A JSON array of `[key, ts, value, attrs]` tuples. */
  json: 0,
  /** The same JSON, raw-deflated. */
  jsonDeflate: 1,
} as const;
export type Codec = (typeof Codec)[keyof typeof Codec];

/** A batch of records as encoded for storage and the wire, before it has offsets. */
export interface EncodedBatch {
  count: number;
  /** ts of the first record. */
  firstTs: number;
  /** Largest ts in the batch. */
  maxTs: number;
  codec: Codec;
  body: Buffer;
}

/** A batch as stored in a log partition. */
export interface StoredBatch extends EncodedBatch {
  partition: number;
  baseOffset: number;
  /** Wall-clock time of the commit that stored it. */
  appendTs: number;
  crc: number;
}

/** JSON of frozen (shared) attrs objects, serialised once each. */
const frozenAttrsJson = new WeakMap<object, string>();

function attrsJson(attrs: Record<string, string>): string {
  if (!Object.isFrozen(attrs)) return JSON.stringify(attrs);
  let json = frozenAttrsJson.get(attrs);
  if (json === undefined) {
    json = JSON.stringify(attrs);
    frozenAttrsJson.set(attrs, json);
  }
  return json;
}

/** Encodes one record as a JSON tuple; done once per record, on arrival. */
export function encodeRecord(record: DataRecord): string {
  if (record.valueJson === undefined && !Object.isFrozen(record.attrs)) return JSON.stringify([record.key, record.ts, record.value, record.attrs]);
  // The same tuple, with the value's text as the source received it (valid JSON: it was parsed from it) and
  // shared attrs serialised once.
  return `[${JSON.stringify(record.key)},${JSON.stringify(record.ts)},${record.valueJson ?? JSON.stringify(record.value)},${attrsJson(record.attrs)}]`;
}

/** Joins records encoded by `encodeRecord` into a batch body. */
export function joinEncodedRecords(encoded: string[], codec: Codec = Codec.json): Buffer {
  const json = Buffer.from(`[${encoded.join(',')}]`, 'utf8');
  return codec === Codec.jsonDeflate ? deflateRawSync(json) : json;
}

/** Encodes records into a batch (convenience for callers that hold whole arrays). */
export function encodeBatch(records: DataRecord[], codec: Codec = Codec.json): EncodedBatch {
  if (records.length === 0) throw new TributaryError('ERR_LOG_EMPTY_BATCH', 'a batch needs at least one record');
  let maxTs = -Infinity;
  for (const r of records) if (r.ts > maxTs) maxTs = r.ts;
  return { count: records.length, firstTs: records[0]!.ts, maxTs, codec, body: joinEncodedRecords(records.map(encodeRecord), codec) };
}

/** Decodes a batch body back into records; throws ERR_LOG_BAD_BATCH when the body is not a valid batch. */
export function decodeBatch(body: Buffer, codec: number): DataRecord[] {
  let tuples: unknown;
  try {
    const json = codec === Codec.jsonDeflate ? inflateRawSync(body) : body;
    if (codec !== Codec.json && codec !== Codec.jsonDeflate) throw new Error(`unknown codec ${codec}`);
    tuples = JSON.parse(json.toString('utf8'));
  } catch (error) {
    throw new TributaryError('ERR_LOG_BAD_BATCH', `batch body cannot be decoded: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(tuples)) throw new TributaryError('ERR_LOG_BAD_BATCH', 'batch body is not an array of records');
  return tuples.map((t: unknown) => {
    if (!Array.isArray(t) || t.length !== 4 || typeof t[0] !== 'string' || typeof t[1] !== 'number') {
      throw new TributaryError('ERR_LOG_BAD_BATCH', 'batch holds a malformed record tuple');
    }
    return { key: t[0], ts: t[1], value: t[2], attrs: (t[3] ?? {}) as Record<string, string> };
  });
}

const header = Buffer.alloc(41);

/** CRC32 over a batch's header fields and body, so a flipped bit in either is caught. */
export function batchCrc(batch: Omit<StoredBatch, 'crc' | 'appendTs'>): number {
  header.writeUInt32BE(batch.partition, 0);
  header.writeDoubleBE(batch.baseOffset, 4);
  header.writeUInt32BE(batch.count, 12);
  header.writeDoubleBE(batch.firstTs, 16);
  header.writeDoubleBE(batch.maxTs, 24);
  header.writeUInt8(batch.codec, 32);
  header.writeDoubleBE(batch.body.length, 33);
  return crc32(batch.body, crc32(header));
}
