// Queries for tenants (table tenants of prisma/schema.prisma): the tenant service
// (src/tenants/tenants.ts) and the broker's directory (src/broker/storage/directory.ts) both
// read and write through them; so do the other modules that read a tenant (its existence,
// status or second-factor policy). FIELDS is the one mapping between columns and the camelCase
// fields the application sees, both ways: a new column is added there (it must be: the
// `satisfies` below names every column), besides the schema, its migration and the
// validation in src/tenants/validate.ts.
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Database } from './database.js';
import type { Tenant as TenantTable, TenantStatus } from './generated/kysely.js';

const FIELDS = {
  id: 'id',
  name: 'name',
  status: 'status',
  qbusiness_application_id: 'qbusinessApplicationId',
  qbusiness_region: 'qbusinessRegion',
  retriever_id: 'retrieverId',
  idc_application_arn: 'idcApplicationArn',
  idc_region: 'idcRegion',
  role_arn: 'roleArn',
  sts_endpoint: 'stsEndpoint',
  sso_oidc_endpoint: 'ssoOidcEndpoint',
  qbusiness_endpoint: 'qbusinessEndpoint',
  allow_backend_access: 'allowBackendAccess',
  audit_query_text: 'auditQueryText',
  mfa_policy: 'mfaPolicy',
  auth_mode: 'authMode',
  auth_code_redirect_uri: 'authCodeRedirectUri',
  created_at: 'createdAt',
  updated_at: 'updatedAt',
} as const satisfies Record<keyof TenantTable, string>;

type Column = keyof typeof FIELDS;
type TenantRow = Selectable<TenantTable>;

/** A tenant as the application sees it: every column, by its camelCase field name. */
export type Tenant = { [C in Column as (typeof FIELDS)[C]]: TenantRow[C] };

const COLUMNS = Object.fromEntries(Object.entries(FIELDS).map(([column, field]) => [field, column])) as Record<keyof Tenant, Column>;

/** The row as a tenant (fields in column order). */
export function toTenant(row: TenantRow): Tenant {
  const tenant: Record<string, unknown> = {};
  for (const column of Object.keys(FIELDS) as Column[]) tenant[FIELDS[column]] = row[column];
  return tenant as Tenant;
}

/** The fields given as columns; absent (undefined) fields are left out. */
function toColumns(fields: Partial<Tenant>): Updateable<TenantTable> {
  const row: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(fields)) {
    const column = COLUMNS[field as keyof Tenant];
    if (!column) throw new Error(`'${field}' is not a tenant field`);
    if (value !== undefined) row[column] = value;
  }
  return row as Updateable<TenantTable>;
}

/** Conditions an update also needs to match (a compare-and-set on the row as read). */
export interface TenantGuard {
  status?: TenantStatus;
  updatedAt?: Date;
}

/** `db` may be a transaction. */
export function tenantQueries(db: Database) {
  const byId = (id: string) => db.selectFrom('tenants').selectAll().where('id', '=', id);
  return {
    get: async (id: string): Promise<Tenant | null> => {
      const row = await byId(id).executeTakeFirst();
      return row ? toTenant(row) : null;
    },
    /** In a transaction: the row, locked until it ends, for a write that depends on what it read. */
    getForUpdate: async (id: string): Promise<Tenant | null> => {
      const row = await byId(id).forUpdate().executeTakeFirst();
      return row ? toTenant(row) : null;
    },
    /** Ordered by id. */
    list: async (): Promise<Tenant[]> => (await db.selectFrom('tenants').selectAll().orderBy('id').execute()).map(toTenant),
    insert: async (tenant: Partial<Tenant> & Pick<Tenant, 'id' | 'name' | 'updatedAt'>): Promise<Tenant> =>
      toTenant(
        await db
          .insertInto('tenants')
          .values(toColumns(tenant) as Insertable<TenantTable>)
          .returningAll()
          .executeTakeFirstOrThrow(),
      ),
    /** The tenant as updated; null when no row has this id (and matches `guard`). */
    update: async (id: string, fields: Partial<Omit<Tenant, 'id'>>, guard: TenantGuard = {}): Promise<Tenant | null> => {
      const row = await db
        .updateTable('tenants')
        .set(toColumns(fields))
        .where('id', '=', id)
        .$if(guard.status !== undefined, (q) => q.where('status', '=', guard.status!))
        .$if(guard.updatedAt !== undefined, (q) => q.where('updated_at', '=', guard.updatedAt!))
        .returningAll()
        .executeTakeFirst();
      return row ? toTenant(row) : null;
    },
  };
}
