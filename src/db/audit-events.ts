// audit_events: the broker's audit trail (src/broker/audit.ts queues and batches the rows).
// Never holds tokens or credentials; query text only when the tenant opted in.
import type { Insertable, Selectable } from 'kysely';
import type { AuditFilters, AuditRecord, AuditView } from '../broker/storage/audit-store.js';
import type { Database } from './database.js';
import type { AuditEvent } from './generated/kysely.js';

export type AuditEventRow = Selectable<AuditEvent>;

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

/** An event as a row: `at` is stored as UTC (pool settings), a missing detail is SQL NULL, jsonb as JSON text. */
function toInsert(record: AuditRecord): Insertable<AuditEvent> {
  const r = storable(record);
  return {
    at: r.at,
    kind: r.kind,
    tenant_id: r.tenantId,
    user_id: r.userId,
    service_client_id: r.serviceClientId,
    outcome: r.outcome,
    error_code: r.errorCode,
    aws_request_ids: r.awsRequestIds ?? [],
    latency_ms: Math.max(0, Math.round(r.latencyMs)),
    query_text: r.queryText ?? null,
    detail: r.detail != null ? JSON.stringify(r.detail) : null,
  };
}

/**
 * The one row mapper: ids are BIGINT (strings from pg, kept as strings in the API's JSON), `at` an ISO
 * string; aws_request_ids is a nullable TEXT[] (Prisma lists are), NULL listed as [] as Prisma did.
 */
const toView = (r: AuditEventRow): AuditView => ({
  id: String(r.id),
  at: r.at.toISOString(),
  kind: r.kind as AuditRecord['kind'],
  tenantId: r.tenant_id,
  userId: r.user_id,
  serviceClientId: r.service_client_id,
  outcome: r.outcome as AuditRecord['outcome'],
  errorCode: r.error_code,
  awsRequestIds: r.aws_request_ids ?? [],
  latencyMs: r.latency_ms,
  queryText: r.query_text,
  detail: r.detail,
});

/** A batch of events in one multi-row INSERT (all or none). */
export async function insertAuditEvents(db: Database, records: AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  await db.insertInto('audit_events').values(records.map(toInsert)).execute();
}

/** Newest first; `nextCursor` is the `before` of the next (older) page. */
export async function listAuditEvents(db: Database, f: AuditFilters = {}): Promise<{ events: AuditView[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(f.limit ?? 50, 1), 500);
  // Parsed first, as a bigint: a cursor that is no number fails before any query.
  const before = f.before !== undefined ? BigInt(f.before).toString() : undefined;
  // No allowed tenant: no event (`IN ()` is no valid SQL).
  if (f.tenantIds?.length === 0) return { events: [], nextCursor: null };
  let q = db.selectFrom('audit_events').selectAll();
  if (f.tenantIds) q = q.where('tenant_id', 'in', f.tenantIds);
  if (f.tenantId !== undefined) q = q.where('tenant_id', '=', f.tenantId);
  if (f.userId !== undefined) q = q.where('user_id', '=', f.userId);
  if (f.serviceClientId !== undefined) q = q.where('service_client_id', '=', f.serviceClientId);
  if (f.kind !== undefined) q = q.where('kind', '=', f.kind);
  if (f.outcome !== undefined) q = q.where('outcome', '=', f.outcome);
  if (f.errorCode !== undefined) q = q.where('error_code', '=', f.errorCode);
  if (f.since) q = q.where('at', '>=', f.since);
  if (f.until) q = q.where('at', '<', f.until);
  if (before !== undefined) q = q.where('id', '<', before);
  const rows = await q
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const events = rows.slice(0, limit).map(toView);
  return { events, nextCursor: rows.length > limit ? events[events.length - 1]!.id : null };
}

/** Deletes events older than `cutoff`; returns how many. */
export async function deleteAuditEventsBefore(db: Database, cutoff: Date): Promise<number> {
  return Number((await db.deleteFrom('audit_events').where('at', '<', cutoff).executeTakeFirst()).numDeletedRows);
}
