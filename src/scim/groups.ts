// SCIM Groups of one tenant. A group's members are the tenant's users whose `groups` hold
// its displayName (src/db/scim-groups.ts), so membership changes here reach the `groups`
// claim of the next ID token. Member ids must be users of this tenant: an unknown id is a
// 400 naming it, never a silent skip (the directory would believe the user was added).
import type { ScimPatchOperation } from 'scim-patch';
import { sql } from 'kysely';
import {
  changeMembers,
  deleteScimGroup,
  existingUserIds,
  findScimGroup,
  hasMember,
  insertScimGroup,
  listScimGroups,
  membersOf,
  updateScimGroup,
  type GroupsEb,
  type ScimGroupRow,
} from '../db/scim-groups.js';
import { isUniqueViolation, isUuid } from '../db/scim-users.js';
import type { Database } from '../db/database.js';
import { scimErrors } from './errors.js';
import { compileFilter, parseFilter, type FilterSpec } from './filter.js';
import { applyPatch } from './patch.js';
import { attr, GROUP_SCHEMA, groupResource, isObject, readGroupInput, type GroupInput, type Json } from './resources.js';
import type { ScimDeps } from './users.js';

const str = (v: unknown) => (typeof v === 'string' ? v : null);

const GROUP_FILTER: FilterSpec<GroupsEb> = {
  schema: GROUP_SCHEMA,
  eq: {
    displayname: (eb, v) => eb('display_name', '=', str(v) ?? ''),
    externalid: (eb, v) => (str(v) === null ? eb('external_id', 'is', null) : eb('external_id', '=', str(v))),
    id: (eb, v) => (isUuid(v) ? eb('id', '=', v) : sql<boolean>`false`),
    'members.value': (eb, v) => hasMember(eb, str(v) ?? ''),
  },
};

/**
 * Entra ID removes members as `{"op":"Remove","path":"members","value":[{"value":"<id>"}]}`;
 * scim-patch matches such values by deep equality, so a `display` beside the id would
 * remove nothing. Each id becomes a `members[value eq "<id>"]` removal instead (ids are
 * uuids: nothing else can be a member, and nothing else is written into the path).
 */
function removeByValue(op: ScimPatchOperation): ScimPatchOperation | ScimPatchOperation[] {
  if (op.op !== 'remove' || op.path?.toLowerCase() !== 'members' || !Array.isArray(op.value)) return op;
  return op.value.flatMap((m: unknown) => {
    const id = isObject(m) ? attr(m, 'value') : undefined;
    return isUuid(id) ? [{ op: 'remove', path: `members[value eq "${id}"]` } as ScimPatchOperation] : [];
  });
}

/**
 * Two groups changing overlapping members at once can each hold a user row the other needs;
 * PostgreSQL then aborts one (40P01). The change is re-run, which cannot conflict the same way.
 */
async function retryDeadlock<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i += 1) {
    try {
      return await run();
    } catch (err) {
      if (i >= attempts || (err as { code?: unknown } | null)?.code !== '40P01') throw err;
    }
  }
}

export function createScimGroups(deps: Pick<ScimDeps, 'db' | 'now'>) {
  const { db } = deps;
  const taken = (name: string) => scimErrors.uniqueness(`A group named '${name}' already exists in this tenant.`);

  async function checkMembers(trx: Database, tenantId: string, ids: string[]): Promise<void> {
    const found = await existingUserIds(trx, tenantId, ids);
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length)
      throw scimErrors.invalidValue(
        `members: no user with id ${missing
          .slice(0, 5)
          .map((m) => `'${m.slice(0, 64)}'`)
          .join(', ')} in this tenant.`,
      );
  }

  async function get(tenantId: string, id: string, base: string, opts: { members?: boolean } = {}): Promise<Json> {
    const g = await findScimGroup(db, tenantId, id);
    if (!g) throw scimErrors.notFound('Group', id);
    const members = opts.members === false ? [] : ((await membersOf(db, tenantId, [g.displayName])).get(g.displayName) ?? []);
    return groupResource(g, members, base);
  }

  /** Sets name, externalId and (when given) the exact member list, holding the group's row lock. */
  async function write(tenantId: string, id: string, make: (g: ScimGroupRow, members: string[]) => GroupInput, base: string): Promise<Json> {
    let input: GroupInput | undefined;
    try {
      await retryDeadlock(() =>
        db.transaction().execute(async (trx) => {
          const g = await findScimGroup(trx, tenantId, id, { forUpdate: true });
          if (!g) throw scimErrors.notFound('Group', id);
          const current = ((await membersOf(trx, tenantId, [g.displayName])).get(g.displayName) ?? []).map((m) => m.id);
          input = make(g, current);
          const now = deps.now();
          await updateScimGroup(trx, g, input, now);
          if (input.members) {
            const want = new Set(input.members);
            const have = new Set(current);
            const add = [...want].filter((m) => !have.has(m));
            await checkMembers(trx, tenantId, add);
            await changeMembers(
              trx,
              { ...g, displayName: input.displayName },
              add,
              current.filter((m) => !want.has(m)),
              now,
            );
          }
        }),
      );
    } catch (err) {
      if (isUniqueViolation(err) && input) throw taken(input.displayName);
      throw err;
    }
    return get(tenantId, id, base);
  }

  return {
    get,

    async list(tenantId: string, q: { filter?: string; offset: number; limit: number; members: boolean }, base: string) {
      const where = q.filter ? compileFilter(parseFilter(q.filter), GROUP_FILTER) : undefined;
      const { total, rows } = await listScimGroups(db, tenantId, where, q.offset, q.limit);
      const members = q.members
        ? await membersOf(
            db,
            tenantId,
            rows.map((g) => g.displayName),
          )
        : new Map();
      return { total, resources: rows.map((g) => groupResource(g, members.get(g.displayName) ?? [], base)) };
    },

    async create(tenantId: string, body: unknown, base: string): Promise<Json> {
      const input = readGroupInput(body);
      let id: string;
      try {
        id = await retryDeadlock(() =>
          db.transaction().execute(async (trx) => {
            const now = deps.now();
            const gid = await insertScimGroup(trx, tenantId, input, now);
            if (input.members?.length) {
              await checkMembers(trx, tenantId, input.members);
              await changeMembers(
                trx,
                { id: gid, tenantId, displayName: input.displayName, externalId: input.externalId, createdAt: now, updatedAt: now },
                input.members,
                [],
                now,
              );
            }
            return gid;
          }),
        );
      } catch (err) {
        if (isUniqueViolation(err)) throw taken(input.displayName);
        throw err;
      }
      return get(tenantId, id, base);
    },

    replace: (tenantId: string, id: string, body: unknown, base: string) => write(tenantId, id, () => readGroupInput(body), base),

    patch: (tenantId: string, id: string, ops: ScimPatchOperation[], base: string) =>
      write(
        tenantId,
        id,
        (g, current) => {
          const { members: _listed, ...doc } = groupResource(g, [], base);
          const patched = applyPatch({ ...doc, members: current.map((value) => ({ value })) }, ops.flatMap(removeByValue));
          // Without any member left, scim-patch may drop the attribute: that is an empty list.
          return readGroupInput({ ...patched, members: patched.members ?? [] });
        },
        base,
      ),

    async remove(tenantId: string, id: string): Promise<void> {
      if (!(await retryDeadlock(() => deleteScimGroup(db, tenantId, id, deps.now())))) throw scimErrors.notFound('Group', id);
    },
  };
}

export type ScimGroups = ReturnType<typeof createScimGroups>;
