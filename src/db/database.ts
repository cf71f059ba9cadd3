// The typed query builder over this process's one pg pool. Row types come from
// prisma/schema.prisma (generator "kysely" → src/db/generated/kysely.ts), so a schema change
// regenerates them and every query that no longer fits fails to compile.
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import type { DB } from './generated/kysely.js';

export type Database = Kysely<DB>;
export type { DB } from './generated/kysely.js';

/** Kysely over an existing pool: closing the pool stays with whoever opened it. */
export function createDatabase(pool: pg.Pool): Database {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}
