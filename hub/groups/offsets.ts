import type Database from 'better-sqlite3';

/** Committed offsets and lease counters of consumer groups, in the hub's database. */
export const GROUP_OFFSETS_SQL = `
CREATE TABLE IF NOT EXISTS group_offsets (
  group_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  partition INTEGER NOT NULL,
  offset INTEGER,
  lease INTEGER NOT NULL DEFAULT 0,
  committed_at INTEGER,
  PRIMARY KEY (group_id, topic, partition)
);
`;

/** A group's row for one partition: the next offset to consume (undefined before any) and the last lease granted. */
export interface OffsetRow {
  offset: number | undefined;
  lease: number;
  committedAt: number | undefined;
}

/**
 * Reads and writes `group_offsets`. Writes never open a transaction of their own, so a caller can put
 * them in its own (the aggregator writes results and offsets together); `transaction` wraps one.
 */
export class GroupOffsets {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    db.exec(GROUP_OFFSETS_SQL);
    this.statements = {
      row: db.prepare('SELECT offset, lease, committed_at FROM group_offsets WHERE group_id = ? AND topic = ? AND partition = ?'),
      rows: db.prepare('SELECT partition, offset, lease, committed_at FROM group_offsets WHERE group_id = ? AND topic = ? ORDER BY partition'),
      bumpLease: db.prepare('INSERT INTO group_offsets (group_id, topic, partition, lease) VALUES (?, ?, ?, 1) ON CONFLICT (group_id, topic, partition) DO UPDATE SET lease = lease + 1 RETURNING lease'),
      commit: db.prepare('UPDATE group_offsets SET offset = ?, committed_at = ? WHERE group_id = ? AND topic = ? AND partition = ?'),
      groups: db.prepare('SELECT DISTINCT group_id FROM group_offsets ORDER BY group_id').pluck(),
    };
  }

  /** Runs `fn` in one durable transaction on the hub database. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  row(group: string, topic: string, partition: number): OffsetRow {
    const row = this.statements.row.get(group, topic, partition) as { offset: number | null; lease: number; committed_at: number | null } | undefined;
    return { offset: row?.offset ?? undefined, lease: row?.lease ?? 0, committedAt: row?.committed_at ?? undefined };
  }

  /** Every row of a group on a topic, by partition. */
  rows(group: string, topic: string): Map<number, OffsetRow> {
    const rows = this.statements.rows.all(group, topic) as { partition: number; offset: number | null; lease: number; committed_at: number | null }[];
    return new Map(rows.map((r) => [r.partition, { offset: r.offset ?? undefined, lease: r.lease, committedAt: r.committed_at ?? undefined }]));
  }

  /** Increments and returns the lease of (group, topic, partition); the counter only grows, across restarts. */
  nextLease(group: string, topic: string, partition: number): number {
    return (this.statements.bumpLease.get(group, topic, partition) as { lease: number }).lease;
  }

  /** Writes the next offset to consume (the row exists: a lease was granted first). */
  writeOffset(group: string, topic: string, partition: number, offset: number, now: number): void {
    this.statements.commit.run(offset, now, group, topic, partition);
  }

  /** Names of the groups that have a row. */
  groups(): string[] {
    return this.statements.groups.all() as string[];
  }
}
