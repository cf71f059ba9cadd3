// Each test file gets its own freshly migrated database on the local PostgreSQL,
// so tests never share state and need no cleanup order.
import { randomBytes } from 'node:crypto';
import { before, after } from 'node:test';
import pg from 'pg';
import { applyMigrations } from '../../src/db/migrate.js';
import { poolConfig } from '../../src/db/pool.js';
import { createDatabase, type Database } from '../../src/db/database.js';

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(poolConfig(ADMIN_URL));
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A new database, migrated unless `migrate: false` (for tests of the migration step itself). */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `ttib_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  if (options.migrate !== false) await applyMigrations(url.toString());
  return {
    url: url.toString(),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

/**
 * Registers before/after hooks that give the calling test file its own database and the
 * one data layer (Kysely over a pg pool) on it, and drop both at the end.
 */
export function useTestDatabase(): { readonly database: Database; readonly url: string } {
  let tdb: TestDatabase | undefined;
  let pool: pg.Pool | undefined;
  let database: Database | undefined;
  before(async () => {
    tdb = await createTestDatabase();
    pool = new pg.Pool(poolConfig(tdb.url));
    // pool.end() resolves before its connections have closed; the DROP ... WITH (FORCE) in
    // after() then terminates them, which the pool reports as an error: not a test failure.
    pool.on('error', () => {});
    database = createDatabase(pool);
  });
  after(async () => {
    await pool?.end();
    await tdb?.drop();
  });
  return {
    get database() {
      return database!;
    },
    get url() {
      return tdb!.url;
    },
  };
}
