// The typed query builder over this process's one pg pool. Row types come from
// prisma/schema.prisma (generator "kysely" → src/db/generated/kysely.ts), so a schema change
// regenerates them and every query that no longer fits fails to compile.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { poolConfig, type DbTimeouts } from './pool.js';
import type { DB } from './generated/kysely.js';

export type Database = Kysely<DB>;
export type Pool = pg.Pool;
export type { DB } from './generated/kysely.js';

/** Kysely over an existing pool: closing the pool stays with whoever opened it. */
export function createDatabase(pool: pg.Pool): Database {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}

export interface OpenedDatabase {
  database: Database;
  /** The same pool, for the few hand-written statements on the hottest paths (src/db/oidc-store.ts). */
  pool: pg.Pool;
  close(): Promise<void>;
}

/** Opens this process's one pool (with the configured timeouts) and Kysely over it. */
export function openDatabase(databaseUrl: string, options: { timeouts?: DbTimeouts; onIdleError?: (err: Error) => void } = {}): OpenedDatabase {
  const pool = new pg.Pool(poolConfig(databaseUrl, options.timeouts));
  // An idle connection that the server closes (restart, failover, pg_terminate_backend)
  // is reported on the pool; without a listener Node would crash the whole process.
  pool.on('error', options.onIdleError ?? (() => {}));
  return { database: createDatabase(pool), pool, close: closer(pool) };
}

/** How long close() waits for the server to see the pool's connections go (a frozen server never answers). */
const CLOSE_WAIT_MS = 1_000;

/**
 * Ends the pool once its connections are closed. pool.end() resolves as soon as the last
 * connection is told to end, before the server has seen it go: a database stopped right
 * after (the embedded one, at shutdown) would still terminate those sessions, and their
 * errors would be reported as lost idle connections.
 */
function closer(pool: pg.Pool): () => Promise<void> {
  const open = new Set<pg.PoolClient>();
  pool.on('connect', (client) => open.add(client));
  pool.on('remove', (client) => open.delete(client)); // after the client's end() completed
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    let check = () => {};
    const closed = new Promise<void>((ok) => {
      check = () => open.size === 0 && ok();
      pool.on('remove', check);
      timer = setTimeout(ok, CLOSE_WAIT_MS);
    });
    try {
      await pool.end();
      check();
      await closed;
    } finally {
      clearTimeout(timer);
      pool.off('remove', check);
    }
  };
}

/** PostgreSQL refused the write: a unique constraint (SQLSTATE 23505). */
export const isUniqueViolation = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === '23505';

/** PostgreSQL refused the write: a foreign key names a row that does not exist (SQLSTATE 23503). */
export const isForeignKeyViolation = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === '23503';
