import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { TributaryError } from '../errors.js';
import { batchCrc, type StoredBatch } from './batch.js';

/** A log opened for inspection only (verify, dump): never writes, safe next to a running agent. */
export interface ReadOnlyLog {
  db: Database.Database;
  logId: string;
  partitions: number[];
  /** Batches of a partition overlapping [from, to), in pages, with their CRC status. */
  batches(partition: number, from: number, to: number): Generator<{ batch: StoredBatch; crcOk: boolean; quarantined: boolean }>;
  /** Records ever appended: the partitions' next offsets summed (retention does not lower it). */
  recordsAppended(): number;
  close(): void;
}

/** Opens a log file read-only; ERR_LOG_NOT_FOUND when there is none. */
export function openReadOnlyLog(path: string): ReadOnlyLog {
  if (!existsSync(path)) throw new TributaryError('ERR_LOG_NOT_FOUND', `no log at ${path}; check --data-dir (it is the flow's agent.data_dir)`);
  const db = new Database(path, { readonly: true, fileMustExist: true });
  const logId = db.prepare("SELECT value FROM meta WHERE name = 'log_id'").pluck().get() as string;
  const partitions = db.prepare('SELECT partition FROM partitions ORDER BY partition').pluck().all() as number[];
  const first = db.prepare('SELECT base_offset FROM batches WHERE partition = ? AND base_offset <= ? ORDER BY base_offset DESC LIMIT 1').pluck();
  const page = db.prepare('SELECT * FROM batches WHERE partition = ? AND base_offset >= ? AND base_offset < ? ORDER BY base_offset LIMIT 64');
  const appended = db.prepare('SELECT coalesce(sum(next_offset), 0) FROM partitions').pluck();
  return {
    db,
    logId,
    partitions,
    *batches(partition, from, to) {
      let next = (first.get(partition, from) as number | undefined) ?? from;
      for (;;) {
        // Each page is fetched whole: no statement stays open while the caller works (it would pin the WAL).
        const rows = page.all(partition, next, to) as { partition: number; base_offset: number; count: number; first_ts: number; max_ts: number; append_ts: number; codec: number; crc: number; quarantined: number; body: Buffer }[];
        for (const row of rows) {
          const batch: StoredBatch = { partition: row.partition, baseOffset: row.base_offset, count: row.count, firstTs: row.first_ts, maxTs: row.max_ts, appendTs: row.append_ts, codec: row.codec as StoredBatch['codec'], crc: row.crc, body: row.body };
          yield { batch, crcOk: batchCrc(batch) === row.crc, quarantined: row.quarantined === 1 };
        }
        if (rows.length < 64) return;
        next = rows[rows.length - 1]!.base_offset + 1;
      }
    },
    recordsAppended: () => appended.get() as number,
    close: () => db.close(),
  };
}
