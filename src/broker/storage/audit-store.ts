// The audit trail's records (table audit_events). Never holds tokens or credentials; query
// text only when the tenant opted in.

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

// The queries (one multi-row INSERT per batch, the listing, the retention sweep) are in
// src/db/audit-events.ts, on the one data layer.
export {
  deleteAuditEventsBefore as deleteAuditBefore,
  insertAuditEvents as insertAudit,
  listAuditEvents as listAudit,
} from '../../db/audit-events.js';
