// Postgres reads for the broker: tenants, users and service clients (primary-key
// lookups), through the plain pg pool because they sit on the search path. createBroker
// puts memo-directory.ts in front (records reused for 1 s by default), so a tenant or user
// disabled by another process is refused within that time. Same tables as prisma/schema.prisma.
import { normalizeEmail } from '../../accounts/validate.js';
import type { Sql } from '../../db/sql.js';
import type { Directory, TenantRecord, UserRecord } from '../ports.js';

const TENANT = `SELECT id, name, status,
  qbusiness_application_id AS "qbusinessApplicationId", qbusiness_region AS "qbusinessRegion", retriever_id AS "retrieverId",
  idc_application_arn AS "idcApplicationArn", idc_region AS "idcRegion", role_arn AS "roleArn",
  sts_endpoint AS "stsEndpoint", sso_oidc_endpoint AS "ssoOidcEndpoint", qbusiness_endpoint AS "qbusinessEndpoint",
  allow_backend_access AS "allowBackendAccess", audit_query_text AS "auditQueryText",
  auth_mode AS "authMode", auth_code_redirect_uri AS "authCodeRedirectUri", updated_at AS "updatedAt"
FROM tenants WHERE id = $1`;
const USER = `SELECT id, tenant_id AS "tenantId", email, email_verified AS "emailVerified", name, groups, disabled FROM users`;

export function createDbDirectory(sql: Sql): Directory {
  const one = async <T extends object>(text: string, values: unknown[]) => (await sql.query<T>(text, values)).rows[0] ?? null;
  return {
    tenant: (id) => one<TenantRecord>(TENANT, [id]),
    async user(id) {
      // Ids are uuids: anything else is no user, without a query.
      if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
      return one<UserRecord>(`${USER} WHERE id = $1`, [id]);
    },
    userByEmail: (tenantId, email) => one<UserRecord>(`${USER} WHERE tenant_id = $1 AND email = $2`, [tenantId, normalizeEmail(email)]),
    async allowedTenants(clientId) {
      const c = await one<{ allowed: string[] }>('SELECT allowed_tenants AS allowed FROM oidc_clients WHERE client_id = $1', [clientId]);
      return c?.allowed ?? null;
    },
    // Not kept here: the memo (memo-directory.ts) caches it and drops it when a client changes.
    async dataAccessorClientId() {
      const c = await one<{ id: string }>('SELECT client_id AS id FROM oidc_clients WHERE is_data_accessor LIMIT 1', []);
      if (!c) throw new Error('No OIDC client is marked as the data accessor client (isDataAccessor)');
      return c.id;
    },
  };
}
