import type Database from 'better-sqlite3';

/**
 * The hub's de-duplication state: per (agent, agent log incarnation, agent partition), the next offset
 * the hub expects. Saved in the hub log's own database, in the same transaction as the data, so after
 * any crash data and positions agree. No window: an offset below the position is a duplicate.
 */
export class AgentPositions {
  private readonly committed = new Map<string, number>();
  /** Committed positions plus batches accepted but not yet committed. */
  private readonly tentative = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private readonly upsert: Database.Statement;

  constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS agent_positions (
      agent_id TEXT NOT NULL,
      log_id TEXT NOT NULL,
      partition INTEGER NOT NULL,
      next_offset INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (agent_id, log_id, partition)
    )`);
    for (const row of db.prepare('SELECT agent_id, log_id, partition, next_offset FROM agent_positions').all() as { agent_id: string; log_id: string; partition: number; next_offset: number }[]) {
      const k = positionKey(row.agent_id, row.log_id, row.partition);
      this.committed.set(k, row.next_offset);
      this.tentative.set(k, row.next_offset);
    }
    this.upsert = db.prepare('INSERT INTO agent_positions (agent_id, log_id, partition, next_offset, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (agent_id, log_id, partition) DO UPDATE SET next_offset = excluded.next_offset, updated_at = excluded.updated_at');
  }

  /** The next offset expected, counting batches accepted but not yet committed. */
  expected(agentId: string, logId: string, partition: number): number {
    return this.tentative.get(positionKey(agentId, logId, partition)) ?? 0;
  }

  /** Committed positions of one agent log, for the answer to a hello. */
  committedFor(agentId: string, logId: string, partitions: number): Record<string, number> {
    const next: Record<string, number> = {};
    for (let p = 0; p < partitions; p++) next[String(p)] = this.committed.get(positionKey(agentId, logId, p)) ?? 0;
    return next;
  }

  /** Records that a batch was accepted: the position moves now, durably with the next `save`. */
  advance(agentId: string, logId: string, partition: number, next: number): void {
    const k = positionKey(agentId, logId, partition);
    this.tentative.set(k, next);
    this.dirty.add(k);
  }

  /** Positions moved since the last commit (or rollback). */
  get changed(): boolean {
    return this.dirty.size > 0;
  }

  /** Writes accepted positions; call inside the transaction that appends their data. */
  save(): void {
    const now = Date.now();
    for (const k of this.dirty) {
      const [agentId, logId, partition] = JSON.parse(k) as [string, string, number];
      this.upsert.run(agentId, logId, partition, this.tentative.get(k), now);
    }
  }

  /** After `save` committed: the accepted positions are now the committed ones. */
  committedNow(): void {
    for (const k of this.dirty) this.committed.set(k, this.tentative.get(k)!);
    this.dirty.clear();
  }

  /** After a failed commit: forget what was accepted since the last commit. */
  rollback(): void {
    for (const k of this.dirty) {
      const c = this.committed.get(k);
      if (c === undefined) this.tentative.delete(k);
      else this.tentative.set(k, c);
    }
    this.dirty.clear();
  }
}

function positionKey(agentId: string, logId: string, partition: number): string {
  return JSON.stringify([agentId, logId, partition]);
}
