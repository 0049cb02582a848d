import { deflateRawSync } from 'node:zlib';
import { Codec, batchCrc, type StoredBatch } from '../../core/log/batch.js';
import { encodeBatchFrame, headerOf, type BatchHeader } from '../../core/protocol.js';

/** A message for the hub: one or more consecutive stored batches of a partition. */
export interface WireBatch {
  partition: number;
  baseOffset: number;
  /** Offset after the last record. */
  end: number;
  count: number;
  frame: Buffer;
}

const COMPRESS_FROM_BYTES = 1024;

/**
 * Builds the message for consecutive stored batches: a single stored batch travels unchanged; several
 * (codec json) are merged by joining their JSON arrays, which needs no decoding.
 */
export function buildWireBatch(logId: string, batches: StoredBatch[], compression: 'none' | 'deflate', gapFrom?: number): WireBatch {
  const first = batches[0]!;
  let merged: StoredBatch = first;
  if (batches.length > 1 || (compression === 'deflate' && first.codec === Codec.json && first.body.length >= COMPRESS_FROM_BYTES)) {
    const count = batches.reduce((n, b) => n + b.count, 0);
    let maxTs = -Infinity;
    for (const b of batches) if (b.maxTs > maxTs) maxTs = b.maxTs;
    let body = batches.length === 1 ? first.body : joinJsonArrays(batches.map((b) => b.body));
    let codec: Codec = Codec.json;
    if (compression === 'deflate' && body.length >= COMPRESS_FROM_BYTES) {
      body = deflateRawSync(body);
      codec = Codec.jsonDeflate;
    }
    const unsigned = { partition: first.partition, baseOffset: first.baseOffset, count, firstTs: first.firstTs, maxTs, codec, body };
    merged = { ...unsigned, appendTs: first.appendTs, crc: batchCrc(unsigned) };
  }
  const header: BatchHeader = headerOf(logId, merged, gapFrom);
  return { partition: first.partition, baseOffset: first.baseOffset, end: first.baseOffset + merged.count, count: merged.count, frame: encodeBatchFrame(header, merged.body) };
}

/** `[a,b]` + `[c]` -> `[a,b,c]`, on the raw bytes. */
function joinJsonArrays(bodies: Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from('[')];
  bodies.forEach((body, i) => {
    if (i > 0) parts.push(Buffer.from(','));
    parts.push(body.subarray(1, body.length - 1));
  });
  parts.push(Buffer.from(']'));
  return Buffer.concat(parts);
}
