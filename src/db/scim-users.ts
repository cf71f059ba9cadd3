// SCIM's reads and writes of users (src/scim/users.ts uses them). The password hash is never
// selected: only whether there is one. Every query names the tenant, so one tenant's SCIM
// client can never read or change another tenant's users, whatever id it sends.
import { randomUUID } from 'node:crypto';
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database, DB } from './database.js';
import { tenantQueries } from './tenants.js';

export type UsersEb = ExpressionBuilder<DB, 'users'>;

export interface ScimUserRow {
  id: string;
  tenantId: string;
  email: string;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
  externalId: string | null;
  groups: string[];
  disabled: boolean;
  hasPassword: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** The columns SCIM may set; `passwordHash` only when a password was sent. */
export interface ScimUserWrite {
  email: string;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
  externalId: string | null;
  disabled: boolean;
  passwordHash?: string;
}

const COLUMNS = (eb: UsersEb) =>
  [
    'id',
    'tenant_id as tenantId',
    'email',
    'name',
    'given_name as givenName',
    'family_name as familyName',
    'external_id as externalId',
    'groups',
    'disabled',
    'created_at as createdAt',
    'updated_at as updatedAt',
    eb('password_hash', 'is not', null).as('hasPassword'),
  ] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids are uuids: anything else is no user, without a query (and without a cast error). */
export const isUuid = (id: unknown): id is string => typeof id === 'string' && UUID.test(id);

/** A unique constraint refused the write (SQLSTATE 23505). */
export { isUniqueViolation } from './database.js';

const toRow = (r: Omit<ScimUserRow, 'hasPassword'> & { hasPassword: SqlBool }): ScimUserRow => ({ ...r, hasPassword: Boolean(r.hasPassword) });

export async function findScimUser(db: Database, tenantId: string, id: string, opts: { forUpdate?: boolean } = {}): Promise<ScimUserRow | null> {
  if (!isUuid(id)) return null;
  let q = db.selectFrom('users').select(COLUMNS).where('tenant_id', '=', tenantId).where('id', '=', id);
  if (opts.forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row ? toRow(row) : null;
}

export async function listScimUsers(
  db: Database,
  tenantId: string,
  where: ((eb: UsersEb) => Expression<SqlBool>) | undefined,
  offset: number,
  limit: number,
): Promise<{ total: number; rows: ScimUserRow[] }> {
  const base = db
    .selectFrom('users')
    .where('tenant_id', '=', tenantId)
    .$if(where !== undefined, (q) => q.where(where!));
  const [{ total }, rows] = await Promise.all([
    base.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
    // Oldest first, id as tie-breaker: pages stay stable while users are added.
    limit > 0 ? base.select(COLUMNS).orderBy('created_at').orderBy('id').offset(offset).limit(limit).execute() : Promise.resolve([]),
  ]);
  return { total: Number(total), rows: rows.map(toRow) };
}

export async function insertScimUser(db: Database, tenantId: string, w: ScimUserWrite, now: Date): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('users')
    .values({
      id,
      tenant_id: tenantId,
      email: w.email,
      name: w.name,
      given_name: w.givenName,
      family_name: w.familyName,
      external_id: w.externalId,
      disabled: w.disabled,
      password_hash: w.passwordHash ?? null,
      email_verified: true,
      updated_at: now,
    })
    .execute();
  return id;
}

export async function updateScimUser(db: Database, tenantId: string, id: string, w: ScimUserWrite, now: Date): Promise<void> {
  const { passwordHash, ...rest } = w;
  await db
    .updateTable('users')
    .set({
      email: rest.email,
      name: rest.name,
      given_name: rest.givenName,
      family_name: rest.familyName,
      external_id: rest.externalId,
      disabled: rest.disabled,
      updated_at: now,
      ...(passwordHash ? { password_hash: passwordHash } : {}),
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

export async function deleteScimUser(db: Database, tenantId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const r = await db.deleteFrom('users').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  return r.numDeletedRows > 0n;
}

/** `name = ANY(groups)`: the user is a member of the group called `name`. */
export const hasGroup = (eb: UsersEb, name: string) => eb(sql.val(name), '=', eb.fn.any('groups'));

export async function tenantExists(db: Database, tenantId: string): Promise<boolean> {
  return (await tenantQueries(db).get(tenantId)) !== null;
}
