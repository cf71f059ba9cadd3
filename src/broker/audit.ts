// The audit trail: events are queued in memory and written in batches off the request
// path, so a search never waits for its audit row. flush() drains (tests, shutdown).
// While the database is unavailable the events wait in a bounded buffer and are retried.
import type { Database } from '../db/database.js';
import { outsideRequest, type Logger } from '../shared/logger.js';
import type { Clock } from './ports.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { deleteAuditBefore, insertAudit, listAudit, type AuditFilters, type AuditRecord } from './storage/audit-store.js';

export { listAudit, type AuditFilters, type AuditRecord, type AuditView } from './storage/audit-store.js';

export interface AuditTrailDeps {
  database: Database;
  logger: Logger;
  now: Clock;
  retentionDays: number;
  /**
   * Events kept in memory, queued or waiting for the database to come back (AUDIT_BUFFER_MAX).
   * Beyond it new events are dropped, counted (onDropped) and logged, rather than exhaust memory.
   */
  maxQueue?: number;
  /** Sees every recorded event (metrics). */
  onRecord?: (event: Omit<AuditRecord, 'at'>) => void;
  /** Told how many events were dropped (buffer full, or a row the database refuses on its own). */
  onDropped?: (count: number) => void;
}

const DAY_MS = 86_400_000;
/** Audit rows reach the database within this long (and at once on flush/shutdown); also what a kill -9 can lose. */
const BATCH_DELAY_MS = 200;
/** While the database is unavailable, the buffered rows are retried this often. */
const RETRY_DELAY_MS = 1_000;
const BATCH_ROWS = 500;

export function createAuditTrail(deps: AuditTrailDeps) {
  const queue: AuditRecord[] = [];
  let writing: Promise<boolean> | null = null;
  let timer: NodeJS.Timeout | undefined;
  let overflowed = 0;
  let retrying = false;
  const maxQueue = deps.maxQueue ?? 10_000;

  /** Counts lost events; `overflow` ones are also summed into one log line per write. */
  const drop = (count: number, overflow: boolean) => {
    if (overflow) overflowed += count;
    deps.onDropped?.(count);
  };

  /** A batch the database refused: row by row, so one bad row costs only itself. */
  async function writeRowByRow(batch: AuditRecord[]): Promise<AuditRecord[]> {
    for (let i = 0; i < batch.length; i++) {
      try {
        await insertAudit(deps.database, [batch[i]!]);
      } catch (err) {
        if (isDatabaseUnavailable(err)) return batch.slice(i);
        deps.logger.error(
          { err: { message: (err as Error).message }, kind: batch[i]!.kind, tenantId: batch[i]!.tenantId },
          'audit event refused by the database: dropped',
        );
        drop(1, false);
      }
    }
    return [];
  }

  /** Writes what is queued now; returns false when the database was unavailable (rows kept for a retry). */
  async function drain(): Promise<boolean> {
    // Only what is queued now: rows recorded during the write wait for the next batch
    // delay (write's finally schedules it). Looping until the queue is empty would, under
    // steady load, turn into back-to-back small INSERTs and undo the batching.
    const rows = queue.splice(0);
    let unwritten: AuditRecord[] = [];
    for (let i = 0; i < rows.length && !unwritten.length; i += BATCH_ROWS) {
      const batch = rows.slice(i, i + BATCH_ROWS);
      try {
        await insertAudit(deps.database, batch);
      } catch (err) {
        unwritten = isDatabaseUnavailable(err) ? rows.slice(i) : [...(await writeRowByRow(batch)), ...rows.slice(i + BATCH_ROWS)];
        if (unwritten.length && !retrying)
          deps.logger.warn(
            { err: { message: (err as Error).message }, events: unwritten.length },
            'audit write failed: database unavailable, events kept for a retry',
          );
      }
    }
    // Back in front, oldest first, ahead of events recorded meanwhile; what no longer fits
    // in the buffer is dropped from the failed batch's newest end.
    if (unwritten.length) {
      const room = Math.max(0, maxQueue - queue.length);
      if (unwritten.length > room) drop(unwritten.length - room, true);
      queue.unshift(...unwritten.slice(0, room));
    } else if (retrying) {
      deps.logger.info('audit writes resumed');
    }
    retrying = unwritten.length > 0;
    if (overflowed > 0) {
      deps.logger.warn(
        { dropped: overflowed, maxQueue },
        'audit buffer overflow: events dropped (AUDIT_BUFFER_MAX reached while the database was unavailable)',
      );
      overflowed = 0;
    }
    return !retrying;
  }

  /** Writes what is queued now; one write at a time. */
  function write(): Promise<boolean> {
    clearTimeout(timer);
    timer = undefined;
    writing ??= drain().finally(() => {
      writing = null;
      if (queue.length) schedule();
    });
    return writing;
  }

  function schedule(): void {
    // A short delay batches the rows of many requests into one INSERT (each write costs
    // the event loop a round trip's worth of work, whatever its size).
    if (timer || writing) return;
    // The batch holds many requests' events: its log lines belong to none of them.
    timer = outsideRequest(() => setTimeout(() => void write(), retrying ? RETRY_DELAY_MS : BATCH_DELAY_MS));
    timer.unref();
  }

  return {
    record(event: Omit<AuditRecord, 'at'>): void {
      deps.onRecord?.(event);
      if (queue.length >= maxQueue) {
        drop(1, true); // logged with the next write
        return;
      }
      queue.push({ ...event, at: new Date(deps.now()) });
      schedule();
    },
    /**
     * Writes everything queued now, without waiting for the batch delay (tests, shutdown).
     * Gives up, logging what is left, when the database is unavailable.
     */
    async flush(): Promise<void> {
      while (writing || queue.length) {
        if (!(await write())) {
          deps.logger.error({ events: queue.length }, 'audit flush: database unavailable, events not written');
          return;
        }
      }
    },
    /** Events waiting to be written (queued or kept for a retry). */
    pending: () => queue.length,
    /** The audit trail, newest first (the admin API). */
    list: (filters: AuditFilters) => listAudit(deps.database, filters),
    /** Runs the retention sweep now and then every `intervalMs`; returns a stop function. */
    startSweeper(intervalMs = 3_600_000): () => void {
      // Deletes events older than `retentionDays`.
      const run = () =>
        void deleteAuditBefore(deps.database, new Date(deps.now() - deps.retentionDays * DAY_MS)).catch((err: Error) =>
          deps.logger.error({ err: { message: err.message } }, 'audit sweep failed'),
        );
      run();
      const interval = setInterval(run, intervalMs);
      interval.unref();
      return () => clearInterval(interval);
    },
  };
}

export type AuditTrail = ReturnType<typeof createAuditTrail>;
