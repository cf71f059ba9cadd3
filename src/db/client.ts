// The only module that constructs the Prisma client. The pg driver adapter lets Prisma
// run with its WASM query compiler: no native engine download.
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { Prisma, PrismaClient } from './generated/client.js';

export type Db = PrismaClient;
export { Prisma } from './generated/client.js';

/** How long any database call may take before it fails as "unavailable" (ms; 0 = no limit). */
export interface DbTimeouts {
  /** Opening a connection, and waiting for a free one from the pool. */
  connectMs: number;
  /** One statement; the client gives up a second later even if the server never answers (frozen). */
  statementMs: number;
  /** A transaction left open without a statement: the server ends it and frees its locks. */
  idleInTransactionMs: number;
}

export const DEFAULT_DB_TIMEOUTS: DbTimeouts = { connectMs: 5_000, statementMs: 10_000, idleInTransactionMs: 30_000 };

/** The timeouts set by DB_CONNECT_TIMEOUT, DB_STATEMENT_TIMEOUT and DB_IDLE_IN_TRANSACTION_TIMEOUT (seconds). */
export const dbTimeouts = (c: { DB_CONNECT_TIMEOUT: number; DB_STATEMENT_TIMEOUT: number; DB_IDLE_IN_TRANSACTION_TIMEOUT: number }): DbTimeouts => ({
  connectMs: c.DB_CONNECT_TIMEOUT * 1000, statementMs: c.DB_STATEMENT_TIMEOUT * 1000, idleInTransactionMs: c.DB_IDLE_IN_TRANSACTION_TIMEOUT * 1000,
});

// The schema's DateTime columns are TIMESTAMP(3) without time zone, holding UTC (as Prisma
// writes them). node-postgres would read and write them in the process's local time zone,
// so a server started with TZ=Europe/Berlin would shift every expiry by an hour: read them
// as UTC here, and send Date parameters as UTC (a process-wide pg setting).
pg.defaults.parseInputDatesAsUTC = true;
const TIMESTAMP_WITHOUT_TZ = 1114;
const parseUtcTimestamp = (text: string) => new Date(`${text.replace(' ', 'T')}Z`);
const UTC_TIMESTAMPS = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMP_WITHOUT_TZ && format !== 'binary' ? parseUtcTimestamp : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * Settings for every pool and client of this process (Prisma's adapter pool, the plain pg
 * pool, migrations): one place, so a stopped or frozen database fails requests within
 * bounded time instead of hanging them until the client gives up.
 */
export function poolConfig(databaseUrl: string, timeouts: DbTimeouts = DEFAULT_DB_TIMEOUTS) {
  const url = new URL(databaseUrl);
  return {
    types: UTC_TIMESTAMPS,
    connectionTimeoutMillis: timeouts.connectMs,
    ...(timeouts.statementMs ? { statement_timeout: timeouts.statementMs, query_timeout: timeouts.statementMs + 1000 } : {}),
    ...(timeouts.idleInTransactionMs ? { idle_in_transaction_session_timeout: timeouts.idleInTransactionMs } : {}),
    // Notices a peer that vanished without closing (network partition) on idle connections.
    keepAlive: true,
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username || 'postgres'),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1) || 'postgres'),
    max: Number(url.searchParams.get('connection_limit') ?? 10),
    // Managed databases usually require TLS; verify-full also checks the certificate.
    ...(['require', 'verify-ca', 'verify-full'].includes(url.searchParams.get('sslmode') ?? '')
      ? { ssl: { rejectUnauthorized: url.searchParams.get('sslmode') !== 'require' } }
      : {}),
  };
}

/** A unique constraint refused the write (Prisma P2002). */
export const isUniqueViolation = (err: unknown): boolean =>
  err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';

/** The row to update or delete does not exist (Prisma P2025). */
export const isNotFound = (err: unknown): boolean =>
  err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2025';

export function createDb(databaseUrl: string, timeouts?: DbTimeouts): Db {
  return new PrismaClient({ adapter: new PrismaPg(poolConfig(databaseUrl, timeouts)) });
}
