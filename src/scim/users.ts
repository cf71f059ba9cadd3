// SCIM Users of one tenant: list/filter, create, read, replace, patch, delete. Writes that
// take a user's access away (active=false, delete, a new email) tell the broker at once
// (onChange), which drops the user's cached AWS sessions: the next search is refused or
// starts a fresh exchange, never served from credentials minted for the old state.
import type { ScimPatchOperation } from 'scim-patch';
import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { PasswordHasher } from '../accounts/password.js';
import { notify, type OnChange } from '../tenants/events.js';
import {
  deleteScimUser,
  findScimUser,
  insertScimUser,
  isUniqueViolation,
  isUuid,
  listScimUsers,
  updateScimUser,
  type ScimUserRow,
  type ScimUserWrite,
  type UsersEb,
} from '../db/scim-users.js';
import { groupsNamed } from '../db/scim-groups.js';
import { createIdcSessionTable } from '../db/idc-sessions.js';
import { normalizeEmail } from '../accounts/validate.js';
import { scimErrors } from './errors.js';
import { compileFilter, parseFilter, type FilterSpec } from './filter.js';
import { applyPatch } from './patch.js';
import { isObject, readUserInput, USER_SCHEMA, userResource, type Json, type UserInput } from './resources.js';

export interface ScimDeps {
  db: Database;
  hasher: PasswordHasher;
  now: () => Date;
  onChange?: OnChange;
}

const str = (v: unknown) => (typeof v === 'string' ? v : null);

const USER_FILTER: FilterSpec<UsersEb> = {
  schema: USER_SCHEMA,
  eq: {
    // userName is case-insensitive (RFC 7643 §4.1.1); emails are stored lower-cased.
    username: (eb, v) => eb('email', '=', normalizeEmail(str(v) ?? '')),
    'emails.value': (eb, v) => eb('email', '=', normalizeEmail(str(v) ?? '')),
    externalid: (eb, v) => (str(v) === null ? eb('external_id', 'is', null) : eb('external_id', '=', str(v))),
    id: (eb, v) => (isUuid(v) ? eb('id', '=', v) : sql<boolean>`false`),
    active: (eb, v) => {
      if (typeof v !== 'boolean') throw scimErrors.invalidFilter('active compares with true or false');
      return eb('disabled', '=', !v);
    },
  },
};

const joinName = (n: Json) => [n.givenName, n.familyName].filter((x) => typeof x === 'string' && x).join(' ') || undefined;

/**
 * We keep one display name (name.formatted, shown as displayName too). After a PATCH, the
 * attribute the client changed wins: displayName, else name.formatted, else a changed
 * givenName/familyName when the stored name was just those two joined.
 */
function followName(before: Json, after: Json): Json {
  const was = isObject(before.name) ? before.name : {};
  const now = isObject(after.name) ? after.name : {};
  if (after.displayName !== before.displayName) return { ...after, name: { ...now, formatted: after.displayName } };
  if (now.formatted !== was.formatted) return { ...after, displayName: now.formatted };
  if (was.formatted === joinName(was) && joinName(now) !== joinName(was)) {
    const formatted = joinName(now);
    return { ...after, displayName: formatted, name: { ...now, formatted } };
  }
  return after;
}

export function createScimUsers(deps: ScimDeps) {
  const { db, hasher } = deps;

  async function resource(u: ScimUserRow, base: string): Promise<Json> {
    return userResource(u, await groupsNamed(db, u.tenantId, u.groups), base);
  }

  async function toWrite(input: UserInput, current?: ScimUserRow): Promise<ScimUserWrite> {
    return {
      email: input.email,
      name: input.name,
      givenName: input.givenName,
      familyName: input.familyName,
      externalId: input.externalId,
      disabled: input.active === undefined ? (current?.disabled ?? false) : !input.active,
      ...(input.password !== undefined ? { passwordHash: await hasher.hash(input.password) } : {}),
    };
  }

  const taken = (email: string) => scimErrors.uniqueness(`A user with userName '${email}' already exists in this tenant.`);

  /** What the broker must forget after a change; told only once the change is committed. */
  function announce(before: ScimUserRow, after: ScimUserWrite): void {
    if (after.disabled && !before.disabled) notify(deps.onChange, { type: 'user_disabled', tenantId: before.tenantId, userId: before.id });
    else if (after.email !== before.email || (!after.disabled && before.disabled))
      notify(deps.onChange, { type: 'user_updated', tenantId: before.tenantId, userId: before.id });
  }

  /** Replaces the stored user with `input` inside one transaction holding the row lock. */
  async function write(tenantId: string, id: string, make: (current: ScimUserRow) => Promise<UserInput> | UserInput, base: string): Promise<Json> {
    let before: ScimUserRow | undefined;
    let w: ScimUserWrite | undefined;
    try {
      await db.transaction().execute(async (trx) => {
        const current = await findScimUser(trx, tenantId, id, { forUpdate: true });
        if (!current) throw scimErrors.notFound('User', id);
        before = current;
        w = await toWrite(await make(current), current);
        await updateScimUser(trx, tenantId, id, w, deps.now());
        // Its Identity Center session (authorization-code tenants) ends with it, as when an
        // administrator disables the user: active again needs a new sign-in at Identity Center.
        if (w.disabled && !current.disabled) await createIdcSessionTable(trx).drop(tenantId, id);
      });
    } catch (err) {
      if (isUniqueViolation(err) && w) throw taken(w.email);
      throw err;
    }
    announce(before!, w!);
    return get(tenantId, id, base);
  }

  async function get(tenantId: string, id: string, base: string): Promise<Json> {
    const u = await findScimUser(db, tenantId, id);
    if (!u) throw scimErrors.notFound('User', id);
    return resource(u, base);
  }

  return {
    get,

    async list(tenantId: string, q: { filter?: string; offset: number; limit: number }, base: string) {
      const where = q.filter ? compileFilter(parseFilter(q.filter), USER_FILTER) : undefined;
      const { total, rows } = await listScimUsers(db, tenantId, where, q.offset, q.limit);
      // One query for the groups of the whole page.
      const groups = await groupsNamed(db, tenantId, [...new Set(rows.flatMap((r) => r.groups))]);
      const byName = new Map(groups.map((g) => [g.displayName, g]));
      return {
        total,
        resources: rows.map((u) =>
          userResource(
            u,
            u.groups.flatMap((n) => byName.get(n) ?? []),
            base,
          ),
        ),
      };
    },

    async create(tenantId: string, body: unknown, base: string): Promise<Json> {
      const input = readUserInput(body);
      const w = await toWrite({ ...input, active: input.active ?? true });
      try {
        return await get(tenantId, await insertScimUser(db, tenantId, w, deps.now()), base);
      } catch (err) {
        if (isUniqueViolation(err)) throw taken(w.email);
        throw err;
      }
    },

    replace: (tenantId: string, id: string, body: unknown, base: string) => write(tenantId, id, () => readUserInput(body), base),

    patch: (tenantId: string, id: string, ops: ScimPatchOperation[], base: string) =>
      write(
        tenantId,
        id,
        async (current) => {
          const { groups: _readOnly, ...doc } = userResource(current, [], base);
          const patched = applyPatch(doc, ops);
          if ('groups' in patched) throw scimErrors.mutability('groups is read-only on a User (RFC 7643 §4.1.2): change membership through /Groups.');
          // Our emails mirror userName: when only userName changed, the old mirror is dropped.
          if (JSON.stringify(patched.emails) === JSON.stringify(doc.emails) && patched.userName !== doc.userName) delete patched.emails;
          return readUserInput(followName(doc, patched));
        },
        base,
      ),

    async remove(tenantId: string, id: string): Promise<void> {
      const deleted = await db.transaction().execute(async (trx) => {
        const gone = await deleteScimUser(trx, tenantId, id);
        if (gone) await createIdcSessionTable(trx).drop(tenantId, id); // no foreign key would do it
        return gone;
      });
      if (!deleted) throw scimErrors.notFound('User', id);
      notify(deps.onChange, { type: 'user_deleted', tenantId, userId: id });
    },
  };
}

export type ScimUsers = ReturnType<typeof createScimUsers>;
