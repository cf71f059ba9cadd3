// Applies prisma/migrations/*/migration.sql in order, recording them in Prisma's own
// `_prisma_migrations` table so `prisma migrate status` agrees. Runs at start, so the
// service needs no Prisma CLI in production. An advisory lock keeps concurrent
// instances from applying the same migration twice.
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import type { Database } from './database.js';
import { DEFAULT_DB_TIMEOUTS, poolConfig } from './pool.js';

const LOCK_ID = 72707369; // arbitrary, constant across versions

const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ, "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ, "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`;

export function migrationsDir(): string {
  // Works from src/ (tsx) and from dist/src/ (compiled).
  const candidates = [new URL('../../prisma/migrations', import.meta.url), new URL('../../../prisma/migrations', import.meta.url)];
  const found = candidates.map((u) => u.pathname).find((p) => existsSync(p));
  if (!found) throw new Error('prisma/migrations not found next to the application');
  return found;
}

export async function applyMigrations(databaseUrl: string, dir = migrationsDir()): Promise<string[]> {
  // No statement limit: a migration may rewrite a large table, and another instance may
  // hold the lock for as long as its migrations take.
  const client = new pg.Client(poolConfig(databaseUrl, { ...DEFAULT_DB_TIMEOUTS, statementMs: 0 }));
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    await client.query(MIGRATIONS_TABLE);
    const done = new Set(
      (await client.query('SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL')).rows.map(
        (r) => r.migration_name as string,
      ),
    );
    const names = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    for (const name of names) {
      if (done.has(name)) continue;
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ($1, $2, now(), $3, 1)', [
          randomUUID(),
          checksum,
          name,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${name} failed: ${(err as Error).message}`);
      }
      applied.push(name);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]).catch(() => {});
    await client.end();
  }
  return applied;
}

/** The migrations recorded as applied (not rolled back), in order. */
export async function listAppliedMigrations(database: Database): Promise<{ name: string; appliedAt: Date }[]> {
  // Prisma's bookkeeping table is not in the schema, so not in the generated types.
  const { rows } = await sql<{ name: string; appliedAt: Date }>`
    SELECT migration_name AS name, finished_at AS "appliedAt" FROM "_prisma_migrations"
    WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`.execute(database);
  return rows;
}
