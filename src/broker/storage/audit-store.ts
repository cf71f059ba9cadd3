// AuditEvent rows. Never holds tokens or credentials; query text only when the tenant opted in.
import type { Db } from '../../db/client.js';
import type { Sql } from '../../db/sql.js';

export interface AuditRecord {
  at: Date;
  kind: 'exchange' | 'search' | 'check' | 'connect_start' | 'connect';
  tenantId: string | null;
  userId: string | null;
  serviceClientId: string | null;
  outcome: 'success' | 'failure';
  errorCode: string | null;
  awsRequestIds: string[];
  latencyMs: number;
  queryText?: string | null;
  detail?: Record<string, unknown> | null;
}

export interface AuditFilters {
  tenantId?: string;
  /** Only events of these tenants (an admin's allowed tenants); events with no tenant are left out. */
  tenantIds?: string[];
  userId?: string;
  serviceClientId?: string;
  kind?: string;
  outcome?: string;
  errorCode?: string;
  since?: Date;
  until?: Date;
  /** Return events with an id below this cursor (newest first). */
  before?: string;
  limit?: number;
}

export interface AuditView extends Omit<AuditRecord, 'at' | 'queryText' | 'detail'> {
  id: string;
  at: string;
  queryText: string | null;
  detail: unknown;
}

// One statement per batch through plain pg: the batch travels as one JSON parameter and
// jsonb_to_recordset turns it into rows. Through Prisma (createMany, and still
// $executeRawUnsafe) each batch cost milliseconds of event-loop time, which delayed
// whichever searches were in flight (bench/broker.bench.ts). Same table and columns as the
// Prisma model AuditEvent; `at` is stored as UTC like Prisma does; a missing detail is SQL NULL.
const INSERT_AUDIT = `INSERT INTO audit_events
  (at, kind, tenant_id, user_id, service_client_id, outcome, error_code, aws_request_ids, latency_ms, query_text, detail)
SELECT at, kind, tenant_id, user_id, service_client_id, outcome, error_code, COALESCE(aws_request_ids, '{}'), latency_ms, query_text, detail
FROM jsonb_to_recordset($1::jsonb) AS r(at timestamp(3), kind text, tenant_id text, user_id text, service_client_id text, outcome text,
  error_code text, aws_request_ids text[], latency_ms integer, query_text text, detail jsonb)`;

/**
 * Text PostgreSQL refuses (a NUL byte anywhere, or a lone UTF-16 surrogate, which jsonb and
 * text reject) becomes U+FFFD, so one odd query text cannot fail the batch it rides in.
 */
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function storable<T>(value: T): T {
  if (typeof value === 'string') return value.replace(UNSTORABLE, '\uFFFD') as T;
  if (Array.isArray(value)) return value.map(storable) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storable(k), storable(v)])) as T;
  }
  return value;
}

export async function insertAudit(sql: Sql, rows: AuditRecord[]): Promise<void> {
  if (rows.length === 0) return;
  const data = rows.map((row) => storable(row)).map((r) => ({
    at: r.at.toISOString().replace('Z', ''), kind: r.kind, tenant_id: r.tenantId, user_id: r.userId, service_client_id: r.serviceClientId,
    outcome: r.outcome, error_code: r.errorCode, aws_request_ids: r.awsRequestIds, latency_ms: Math.max(0, Math.round(r.latencyMs)),
    query_text: r.queryText ?? null, ...(r.detail != null ? { detail: r.detail } : {}),
  }));
  await sql.query(INSERT_AUDIT, [JSON.stringify(data)]);
}

/** Newest first; `nextCursor` is the `before` of the next (older) page. */
export async function listAudit(db: Db, f: AuditFilters = {}): Promise<{ events: AuditView[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(f.limit ?? 50, 1), 500);
  const rows = await db.auditEvent.findMany({
    where: {
      AND: f.tenantIds ? [{ tenantId: { in: f.tenantIds } }] : [],
      tenantId: f.tenantId, userId: f.userId, serviceClientId: f.serviceClientId, kind: f.kind, outcome: f.outcome, errorCode: f.errorCode,
      at: f.since || f.until ? { gte: f.since, lt: f.until } : undefined,
      id: f.before ? { lt: BigInt(f.before) } : undefined,
    },
    orderBy: { id: 'desc' },
    take: limit + 1,
  });
  const events = rows.slice(0, limit).map((r) => ({
    id: r.id.toString(), at: r.at.toISOString(), kind: r.kind as AuditRecord['kind'], tenantId: r.tenantId, userId: r.userId,
    serviceClientId: r.serviceClientId, outcome: r.outcome as AuditRecord['outcome'], errorCode: r.errorCode,
    awsRequestIds: r.awsRequestIds, latencyMs: r.latencyMs, queryText: r.queryText, detail: r.detail,
  }));
  return { events, nextCursor: rows.length > limit ? events[events.length - 1]!.id : null };
}

export async function deleteAuditBefore(db: Db, cutoff: Date): Promise<number> {
  const { count } = await db.auditEvent.deleteMany({ where: { at: { lt: cutoff } } });
  return count;
}
