// The process's one read-through cache of rows that many requests read: tenants, users and
// OAuth clients (the broker's directory, the provider's client lookups). One clock, one
// lifetime policy, one invalidation path:
// - a change committed by any process arrives as a database notification (src/db/changes.ts)
//   and drops the rows it names at once; a change made here is published the same way;
// - while notifications flow a row lives up to `connectedTtlMs`; while the LISTEN connection
//   is down (or without a feed, e.g. a CLI run) only `ttlMs`, i.e. polling;
// - a row past half its life is re-read in the background while the cache still answers, so
//   steady traffic never waits for the database, but a row is never served past its life;
// - only found rows are kept: a row created a moment ago must not be refused.
import type { ChangedTable, ChangeFeed } from './changes.js';

export type CachedTable = ChangedTable;

/** How long rows live while change notifications flow (a change drops them sooner). */
export const CONNECTED_TTL_MS = 60_000;

/** The id of a value that depends on every row of its table (e.g. which client is the data accessor). */
export const WHOLE_TABLE = '*';

/** One cached value: a row of `table` with primary key `id`, as some reader shapes it (`as`). */
export interface RowKey {
  table: CachedTable;
  id: string;
  /** Readers that keep different shapes of the same row use different names. */
  as?: string;
}

export interface RowCache {
  get<T>(key: RowKey, load: () => Promise<T | null>): Promise<T | null>;
  /** Drops every shape of the row, and the table's WHOLE_TABLE values (a change made in this process). */
  invalidate(table: CachedTable, id: string): void;
  clear(): void;
  /** Stops following the change feed. */
  close(): void;
  /** Values held, and rows they belong to (bounded by `max`). */
  stats(): { values: number; rows: number };
}

export interface RowCacheOptions {
  /** Life of a row while notifications do not flow (ms; 0 = no caching at all). */
  ttlMs: number;
  /** Life of a row while they flow (ms; a change drops it sooner). Default: CONNECTED_TTL_MS. */
  connectedTtlMs?: number;
  now: () => number;
  changes?: ChangeFeed;
  max?: number;
}

interface Entry {
  row: string;
  at: number;
  value: Promise<unknown>;
  refreshing?: boolean;
}

export function createRowCache(opts: RowCacheOptions): RowCache {
  const entries = new Map<string, Entry>();
  // table:id → the keys of its cached shapes, so an invalidation finds them all.
  const shapes = new Map<string, Set<string>>();
  const max = opts.max ?? 50_000;
  const changes = opts.changes;
  const connectedTtl = Math.max(opts.ttlMs, opts.connectedTtlMs ?? CONNECTED_TTL_MS);
  const ttl = () => (opts.ttlMs > 0 && changes?.connected ? connectedTtl : opts.ttlMs);
  const rowOf = (table: string, id: string) => `${table}\0${id}`;

  // Both maps shrink with every drop: lookups of ids that do not exist must not grow them.
  function drop(key: string): void {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    const set = shapes.get(entry.row);
    set?.delete(key);
    if (set?.size === 0) shapes.delete(entry.row);
  }

  function store(row: string, key: string, at: number, value: Promise<unknown>): void {
    const forget = () => {
      if (entries.get(key)?.value === value) drop(key);
    };
    value.then((v) => {
      if (v === null) forget();
    }, forget);
    if (entries.size >= max && !entries.has(key)) clear();
    entries.set(key, { row, at, value });
    const set = shapes.get(row) ?? new Set<string>();
    set.add(key);
    shapes.set(row, set);
  }

  function refresh(row: string, key: string, hit: Entry, load: () => Promise<unknown>): void {
    hit.refreshing = true;
    const at = opts.now();
    const value = load();
    value.then(
      () => {
        // Skip if invalidated (or replaced) meanwhile: this read may predate the change.
        if (entries.get(key) === hit) store(row, key, at, value);
      },
      () => {
        hit.refreshing = false;
      },
    ); // keep the current row until it expires
  }

  function invalidate(table: CachedTable, id: string): void {
    for (const key of [...(shapes.get(rowOf(table, id)) ?? [])]) drop(key);
    if (id !== WHOLE_TABLE) invalidate(table, WHOLE_TABLE);
  }

  function clear(): void {
    entries.clear();
    shapes.clear();
  }

  const unsubscribe = changes?.subscribe({
    change: (c) => invalidate(c.table, c.id),
    // Changes may have been missed while the listener was down: start over.
    reset: clear,
  });

  return {
    get<T>(k: RowKey, load: () => Promise<T | null>): Promise<T | null> {
      const lifeMs = ttl();
      if (lifeMs <= 0) return load();
      const row = rowOf(k.table, k.id);
      const key = `${row}\0${k.as ?? ''}`;
      const hit = entries.get(key);
      const age = hit ? opts.now() - hit.at : Infinity;
      if (hit && age < lifeMs) {
        if (age >= lifeMs / 2 && !hit.refreshing) refresh(row, key, hit, load);
        return hit.value as Promise<T | null>;
      }
      const value = load();
      store(row, key, opts.now(), value);
      return value;
    },
    invalidate,
    clear,
    close: () => unsubscribe?.(),
    stats: () => ({ values: entries.size, rows: shapes.size }),
  };
}
