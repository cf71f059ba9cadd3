// Queries for upstream identity providers and the identities linked to our users
// (tables upstreams and federated_identities of prisma/schema.prisma).
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Database } from './database.js';
import type { Upstream, User } from './generated/kysely.js';

export type UpstreamRow = Selectable<Upstream>;
export type UserRow = Selectable<User>;
export type NewUpstreamRow = Omit<Insertable<Upstream>, 'created_at' | 'updated_at'>;
export type UpstreamPatch = Omit<Updateable<Upstream>, 'id' | 'created_at' | 'updated_at'>;

/** PostgreSQL unique_violation (two first sign-ins at once, an id taken meanwhile). */
export { isUniqueViolation } from './database.js';

export function upstreamQueries(db: Database) {
  return {
    list: () => db.selectFrom('upstreams').selectAll().orderBy('id').execute(),
    get: async (id: string) => (await db.selectFrom('upstreams').selectAll().where('id', '=', id).executeTakeFirst()) ?? null,
    /** Enabled upstreams with this exact issuer (the broker's trusted external issuers). */
    byIssuer: (issuer: string) => db.selectFrom('upstreams').selectAll().where('issuer', '=', issuer).where('enabled', '=', true).orderBy('id').execute(),
    insert: (row: NewUpstreamRow) =>
      db
        .insertInto('upstreams')
        .values({ ...row, updated_at: new Date() })
        .returningAll()
        .executeTakeFirstOrThrow(),
    update: async (id: string, patch: UpstreamPatch) =>
      (await db
        .updateTable('upstreams')
        .set({ ...patch, updated_at: new Date() })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst()) ?? null,
    /** Deletes the upstream and (cascade) its identity links; the users stay. */
    remove: async (id: string) => (await db.deleteFrom('upstreams').where('id', '=', id).executeTakeFirst()).numDeletedRows > 0n,
  };
}

export interface FederatedProfile {
  tenantId: string;
  email: string;
  name: string | null;
  groups: string[];
}

/** A new password-less user's row (the upstream verified the email). */
const newUserRow = (p: FederatedProfile, now: Date) => ({
  id: crypto.randomUUID(),
  tenant_id: p.tenantId,
  email: p.email,
  email_verified: true,
  name: p.name,
  groups: p.groups,
  password_hash: null,
  updated_at: now,
});

/** The user rows federated sign-in and trusted tokens read and write. */
export function federatedUserQueries(db: Database) {
  return {
    /** The user linked to (upstream, sub), if any. */
    linked: async (upstreamId: string, subject: string): Promise<UserRow | null> =>
      (await db
        .selectFrom('federated_identities as f')
        .innerJoin('users as u', 'u.id', 'f.user_id')
        .selectAll('u')
        .where('f.upstream_id', '=', upstreamId)
        .where('f.subject', '=', subject)
        .executeTakeFirst()) ?? null,
    byEmail: async (tenantId: string, email: string): Promise<UserRow | null> =>
      (await db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).where('email', '=', email).executeTakeFirst()) ?? null,
    /** How many upstream identities a user is linked to. */
    linkCount: async (userId: string) =>
      Number(
        (
          await db
            .selectFrom('federated_identities')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('user_id', '=', userId)
            .executeTakeFirstOrThrow()
        ).n,
      ),
    /** A new password-less user and its link, both or neither. */
    createLinked: (upstreamId: string, subject: string, p: FederatedProfile) =>
      db.transaction().execute(async (tx) => {
        const now = new Date();
        const user = await tx
          .insertInto('users')
          .values({ ...newUserRow(p, now), last_login_at: now })
          .returningAll()
          .executeTakeFirstOrThrow();
        await tx.insertInto('federated_identities').values({ upstream_id: upstreamId, subject, user_id: user.id }).execute();
        return user;
      }),
    /**
     * Links an existing user unless it has another link already (false then). The user's row lock
     * serialises two first sign-ins through different upstreams: at most one links.
     */
    linkIfUnlinked: (upstreamId: string, subject: string, userId: string) =>
      db.transaction().execute(async (tx) => {
        await tx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().execute();
        const links = await tx.selectFrom('federated_identities').select(['upstream_id', 'subject']).where('user_id', '=', userId).execute();
        // The same identity twice at once (two tabs): the first linked it, which is this link.
        if (links.length) return links.some((l) => l.upstream_id === upstreamId && l.subject === subject);
        await tx.insertInto('federated_identities').values({ upstream_id: upstreamId, subject, user_id: userId }).execute();
        return true;
      }),
    /** Refreshes what the upstream says about the user; `lastLogin` for sign-ins (not broker tokens). */
    /** Groups only when given: an upstream without a groups claim leaves those set by SCIM or the CLI. */
    refresh: (userId: string, p: Omit<FederatedProfile, 'tenantId' | 'groups'> & { groups?: string[] }, lastLogin?: Date) =>
      db
        .updateTable('users')
        .set({
          email: p.email,
          email_verified: true,
          name: p.name,
          ...(p.groups ? { groups: p.groups } : {}),
          updated_at: new Date(),
          ...(lastLogin ? { last_login_at: lastLogin } : {}),
        })
        .where('id', '=', userId)
        .returningAll()
        .executeTakeFirstOrThrow(),
    /** A password-less user found by email (broker tokens), created if missing. */
    createByEmail: (p: FederatedProfile) => db.insertInto('users').values(newUserRow(p, new Date())).returningAll().executeTakeFirstOrThrow(),
  };
}
