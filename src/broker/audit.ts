// The audit trail: events are queued in memory and written in batches off the request
// path, so a search never waits for its audit row. flush() drains (tests, shutdown).
import type { Db } from '../db/client.js';
import type { Sql } from '../db/sql.js';
import type { Logger } from '../shared/logger.js';
import type { Clock } from './ports.js';
import { deleteAuditBefore, insertAudit, listAudit, type AuditFilters, type AuditRecord } from './storage/audit-store.js';

export { listAudit, type AuditFilters, type AuditRecord, type AuditView } from './storage/audit-store.js';

export interface AuditTrailDeps {
  db: Db;
  sql: Sql;
  logger: Logger;
  now: Clock;
  retentionDays: number;
  /** Queued events beyond this are dropped (and counted in a warning) rather than exhaust memory. */
  maxQueue?: number;
  /** Sees every recorded event (metrics). */
  onRecord?: (event: Omit<AuditRecord, 'at'>) => void;
}

const DAY_MS = 86_400_000;
/** Audit rows reach the database within this long (and at once on flush/shutdown). */
const BATCH_DELAY_MS = 200;

export function createAuditTrail(deps: AuditTrailDeps) {
  const queue: AuditRecord[] = [];
  let writing: Promise<void> | null = null;
  let timer: NodeJS.Timeout | undefined;
  let dropped = 0;
  const maxQueue = deps.maxQueue ?? 10_000;

  async function drain(): Promise<void> {
    // Only what is queued now: rows recorded during the write wait for the next batch
    // delay (write's finally schedules it). Looping until the queue is empty would, under
    // steady load, turn into back-to-back small INSERTs and undo the batching.
    const rows = queue.splice(0);
    for (let i = 0; i < rows.length; i += 500) {
      const batch = rows.slice(i, i + 500);
      try {
        await insertAudit(deps.sql, batch);
      } catch (err) {
        deps.logger.error({ err: { message: (err as Error).message }, events: batch.length }, 'audit write failed');
      }
    }
    if (dropped > 0) {
      deps.logger.warn({ dropped }, 'audit queue overflow: events dropped');
      dropped = 0;
    }
  }

  /** Writes what is queued now; one write at a time. */
  function write(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    writing ??= drain().finally(() => { writing = null; if (queue.length) schedule(); });
    return writing;
  }

  function schedule(): void {
    // A short delay batches the rows of many requests into one INSERT (each write costs
    // the event loop a round trip's worth of work, whatever its size).
    if (timer || writing) return;
    timer = setTimeout(() => void write(), BATCH_DELAY_MS);
    timer.unref();
  }

  return {
    record(event: Omit<AuditRecord, 'at'>): void {
      deps.onRecord?.(event);
      if (queue.length >= maxQueue) {
        dropped += 1;
        return;
      }
      queue.push({ ...event, at: new Date(deps.now()) });
      schedule();
    },
    /** Writes everything queued now, without waiting for the batch delay (tests, shutdown). */
    async flush(): Promise<void> {
      while (writing || queue.length) await write();
    },
    /** The audit trail, newest first (the admin API). */
    list: (filters: AuditFilters) => listAudit(deps.db, filters),
    /** Runs the retention sweep now and then every `intervalMs`; returns a stop function. */
    startSweeper(intervalMs = 3_600_000): () => void {
      const run = () => void sweepAudit(deps.db, deps.retentionDays, deps.now).catch((err: Error) => deps.logger.error({ err: { message: err.message } }, 'audit sweep failed'));
      run();
      const interval = setInterval(run, intervalMs);
      interval.unref();
      return () => clearInterval(interval);
    },
  };
}

export type AuditTrail = ReturnType<typeof createAuditTrail>;

/** Deletes events older than `retentionDays`; returns how many. */
const sweepAudit = (db: Db, retentionDays: number, now: Clock = Date.now) =>
  deleteAuditBefore(db, new Date(now() - retentionDays * DAY_MS));
