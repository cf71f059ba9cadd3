// One plain pg pool per process for the hot paths (OIDC artefacts, the broker's directory
// reads and audit batches). Prisma's client plans every query in WASM, which cost
// milliseconds of event-loop time per call in bench/idp.bench.ts and bench/broker.bench.ts;
// admin and CLI paths keep using Prisma. Same tables as prisma/schema.prisma.
import pg from 'pg';
import { poolConfig, type DbTimeouts } from './client.js';

export type Sql = pg.Pool;

export function createSql(databaseUrl: string, onIdleError: (err: Error) => void, timeouts?: DbTimeouts): Sql {
  const pool = new pg.Pool(poolConfig(databaseUrl, timeouts));
  // An idle connection that the server closes (restart, failover, pg_terminate_backend)
  // is reported on the pool; without a listener Node would crash the whole process.
  pool.on('error', onIdleError);
  return pool;
}
