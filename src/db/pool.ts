// Settings for every connection this process opens to PostgreSQL: the one pool
// (src/db/database.ts), the LISTEN connection (src/db/changes.ts) and migrations.
import pg from 'pg';

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
  connectMs: c.DB_CONNECT_TIMEOUT * 1000,
  statementMs: c.DB_STATEMENT_TIMEOUT * 1000,
  idleInTransactionMs: c.DB_IDLE_IN_TRANSACTION_TIMEOUT * 1000,
});

// The schema's DateTime columns are TIMESTAMP(3) without time zone, holding UTC (as the
// Prisma client of earlier versions wrote them). node-postgres would read and write them in
// the process's local time zone, so a server started with TZ=Europe/Berlin would shift
// every expiry by an hour: read them as UTC here, and send Date parameters as UTC (a
// process-wide pg setting).
pg.defaults.parseInputDatesAsUTC = true;
const TIMESTAMP_WITHOUT_TZ = 1114;
const parseUtcTimestamp = (text: string) => new Date(`${text.replace(' ', 'T')}Z`);
const UTC_TIMESTAMPS = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMP_WITHOUT_TZ && format !== 'binary' ? parseUtcTimestamp : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * Settings for every pool and client of this process (the one pool, the LISTEN connection,
 * migrations): one place, so a stopped or frozen database fails requests within bounded
 * time instead of hanging them until the client gives up.
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
