// The one place that decides "the database is unavailable right now" (stopped, restarting,
// frozen, overloaded) as opposed to "this query is wrong". Such errors become 503 with
// Retry-After on every route, and end by themselves once the database answers again.
import { AppError } from '../shared/errors.js';

/** Seconds clients are told to wait before retrying while the database is unavailable. */
export const DB_RETRY_AFTER_SECONDS = 5;

/** What people and clients are told while it lasts. */
export const TRY_AGAIN_MESSAGE = `The service is temporarily unavailable. Please try again in ${DB_RETRY_AFTER_SECONDS} seconds.`;

// Socket-level failures from pg.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
// SQLSTATEs: admin/crash shutdown, cannot connect now, too many connections, statement
// timeout, idle-in-transaction timeout, and class 08 (connection exceptions).
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '57014', '25P03']);
// pg and pg-pool report these without a code.
const MESSAGES = [
  /timeout exceeded when trying to connect/i, // pg-pool: no connection within connectionTimeoutMillis
  /Connection terminated/i, // the server went away mid-query, or connect timed out
  /Query read timeout/i, // pg query_timeout: the server stopped answering
  /Client has encountered a connection error and is not queryable/i,
  /Cannot use a pool after calling end/i,
];

const codeOf = (code: unknown): string | undefined => (typeof code === 'string' ? code : undefined);

function matches(e: Record<string, unknown>): boolean {
  const code = codeOf(e.code);
  if (code && (NETWORK_CODES.has(code) || SQLSTATES.has(code) || code.startsWith('08'))) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return MESSAGES.some((m) => m.test(message));
}

/** Whether `err` (or what it wraps: `cause`, AggregateError) means "the database is unavailable". */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [err];
  while (pending.length) {
    const e = pending.pop();
    if (!e || typeof e !== 'object' || seen.has(e) || seen.size > 20) continue;
    seen.add(e);
    const rec = e as Record<string, unknown>;
    if (matches(rec)) return true;
    pending.push(rec.cause);
    if (Array.isArray(rec.errors)) pending.push(...rec.errors);
  }
  return false;
}

/** The broker API's answer while the database is unavailable (problem+json `service_unavailable`, 503, Retry-After). */
export const serviceUnavailable = (): AppError =>
  new AppError('service_unavailable', 503, `The service is temporarily unavailable (database unreachable). Retry after ${DB_RETRY_AFTER_SECONDS} seconds.`, {
    expose: true,
    retryAfter: DB_RETRY_AFTER_SECONDS,
  });
