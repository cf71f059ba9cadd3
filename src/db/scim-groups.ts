// SCIM groups (src/scim/groups.ts uses these). A group row holds its name and ids; its
// members are the tenant's users whose `groups` array holds that name. One source of truth:
// the ID token's `groups` claim, the CLI's and the import's group names and SCIM membership
// can never disagree, and a rename or delete is one UPDATE of the members' arrays.
import { randomUUID } from 'node:crypto';
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database, DB } from './database.js';
import { hasGroup, isUuid } from './scim-users.js';

export type GroupsEb = ExpressionBuilder<DB, 'scim_groups'>;

export interface ScimGroupRow {
  id: string;
  tenantId: string;
  displayName: string;
  externalId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface GroupMember {
  id: string;
  email: string;
}

const COLUMNS = [
  'id',
  'tenant_id as tenantId',
  'display_name as displayName',
  'external_id as externalId',
  'created_at as createdAt',
  'updated_at as updatedAt',
] as const;

export async function findScimGroup(db: Database, tenantId: string, id: string, opts: { forUpdate?: boolean } = {}): Promise<ScimGroupRow | null> {
  if (!isUuid(id)) return null;
  let q = db.selectFrom('scim_groups').select(COLUMNS).where('tenant_id', '=', tenantId).where('id', '=', id);
  if (opts.forUpdate) q = q.forUpdate();
  return (await q.executeTakeFirst()) ?? null;
}

export async function listScimGroups(
  db: Database,
  tenantId: string,
  where: ((eb: GroupsEb) => Expression<SqlBool>) | undefined,
  offset: number,
  limit: number,
): Promise<{ total: number; rows: ScimGroupRow[] }> {
  const base = db
    .selectFrom('scim_groups')
    .where('tenant_id', '=', tenantId)
    .$if(where !== undefined, (q) => q.where(where!));
  const [{ total }, rows] = await Promise.all([
    base.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
    limit > 0 ? base.select(COLUMNS).orderBy('created_at').orderBy('id').offset(offset).limit(limit).execute() : Promise.resolve([]),
  ]);
  return { total: Number(total), rows };
}

/** `members.value eq "<user id>"`: the group's name is in that user's groups (same tenant). */
export const hasMember = (eb: GroupsEb, userId: string) =>
  isUuid(userId)
    ? eb.exists(
        eb
          .selectFrom('users')
          .select('users.id')
          .where('users.id', '=', userId)
          .whereRef('users.tenant_id', '=', 'scim_groups.tenant_id')
          .where(sql<SqlBool>`scim_groups.display_name = ANY(users.groups)`),
      )
    : sql<SqlBool>`false`;

/** Members of the named groups of a tenant, by group name. */
export async function membersOf(db: Database, tenantId: string, names: string[]): Promise<Map<string, GroupMember[]>> {
  const out = new Map<string, GroupMember[]>(names.map((n) => [n, []]));
  if (!names.length) return out;
  const rows = await db
    .selectFrom('users')
    .select(['id', 'email', 'groups'])
    .where('tenant_id', '=', tenantId)
    .where((eb) => eb('groups', '&&', sql<string[]>`${names}::text[]`))
    .orderBy('email')
    .execute();
  for (const r of rows) for (const g of r.groups) out.get(g)?.push({ id: r.id, email: r.email });
  return out;
}

/** The tenant's SCIM groups among these names (a user's `groups` as SCIM shows them). */
export async function groupsNamed(db: Database, tenantId: string, names: string[]): Promise<ScimGroupRow[]> {
  if (!names.length) return [];
  return db.selectFrom('scim_groups').select(COLUMNS).where('tenant_id', '=', tenantId).where('display_name', 'in', names).orderBy('display_name').execute();
}

export async function insertScimGroup(db: Database, tenantId: string, g: { displayName: string; externalId: string | null }, now: Date): Promise<string> {
  const id = randomUUID();
  await db.insertInto('scim_groups').values({ id, tenant_id: tenantId, display_name: g.displayName, external_id: g.externalId, updated_at: now }).execute();
  return id;
}

/** Renames the group and its name in every member's groups, in the caller's transaction. */
export async function updateScimGroup(trx: Database, group: ScimGroupRow, g: { displayName: string; externalId: string | null }, now: Date): Promise<void> {
  await trx.updateTable('scim_groups').set({ display_name: g.displayName, external_id: g.externalId, updated_at: now }).where('id', '=', group.id).execute();
  if (g.displayName !== group.displayName) {
    // array_remove first: a member who already carried the new name keeps it once.
    await trx
      .updateTable('users')
      .set({ groups: sql`array_replace(array_remove(groups, ${g.displayName}), ${group.displayName}, ${g.displayName})`, updated_at: now })
      .where('tenant_id', '=', group.tenantId)
      .where((eb) => hasGroup(eb, group.displayName))
      .execute();
  }
}

/** Adds the group's name to these users' groups and removes it from those; ids must be the tenant's users. */
export async function changeMembers(trx: Database, group: ScimGroupRow, add: string[], remove: string[], now: Date): Promise<void> {
  if (add.length) {
    await trx
      .updateTable('users')
      .set({ groups: sql`array_append(groups, ${group.displayName})`, updated_at: now })
      .where('tenant_id', '=', group.tenantId)
      .where('id', 'in', add)
      .where((eb) => eb.not(hasGroup(eb, group.displayName)))
      .execute();
  }
  if (remove.length) {
    await trx
      .updateTable('users')
      .set({ groups: sql`array_remove(groups, ${group.displayName})`, updated_at: now })
      .where('tenant_id', '=', group.tenantId)
      .where('id', 'in', remove)
      .execute();
  }
}

/** Which of these ids are users of the tenant. */
export async function existingUserIds(db: Database, tenantId: string, ids: string[]): Promise<Set<string>> {
  const valid = ids.filter(isUuid);
  if (!valid.length) return new Set();
  const rows = await db.selectFrom('users').select('id').where('tenant_id', '=', tenantId).where('id', 'in', valid).execute();
  return new Set(rows.map((r) => r.id));
}

/** Deletes the group and takes its name out of its members' groups, in one transaction. */
export async function deleteScimGroup(db: Database, tenantId: string, id: string, now: Date): Promise<boolean> {
  if (!isUuid(id)) return false;
  return db.transaction().execute(async (trx) => {
    const g = await trx.deleteFrom('scim_groups').where('tenant_id', '=', tenantId).where('id', '=', id).returning('display_name').executeTakeFirst();
    if (!g) return false;
    await trx
      .updateTable('users')
      .set({ groups: sql`array_remove(groups, ${g.display_name})`, updated_at: now })
      .where('tenant_id', '=', tenantId)
      .where((eb) => hasGroup(eb, g.display_name))
      .execute();
    return true;
  });
}
