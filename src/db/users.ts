// The users table as the accounts module reads and writes it (src/accounts: sign-in, token
// lookups, user administration). One row mapper, toUserRecord; the accounts module turns
// records into Accounts, which never carry the password hash. Transactions are the callers'.
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { UserRecord } from '../accounts/types.js';
import type { Database } from './database.js';
import type { TenantStatus, User } from './generated/kysely.js';

/** The columns a new user is created with (id and timestamps are set here). */
export type NewUserRecord = Pick<UserRecord, 'tenantId' | 'email' | 'emailVerified' | 'name' | 'groups' | 'passwordHash'>;

/** The columns the accounts module changes; absent fields stay as they are. */
export type UserPatch = Partial<Pick<UserRecord, 'disabled' | 'passwordHash' | 'lastLoginAt'>>;

export function toUserRecord(r: Selectable<User>): UserRecord {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    email: r.email,
    emailVerified: r.email_verified,
    name: r.name,
    givenName: r.given_name,
    familyName: r.family_name,
    externalId: r.external_id,
    groups: r.groups ?? [],
    passwordHash: r.password_hash,
    disabled: r.disabled,
    lastLoginAt: r.last_login_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Rows per INSERT of a bulk import: far below PostgreSQL's 65535 bind parameters. */
const INSERT_BATCH = 1000;

/** `value` matched literally inside a LIKE pattern (backslash is PostgreSQL's default escape). */
const escapeLike = (value: string) => value.replace(/[\\%_]/g, '\\$&');

export function userQueries(db: Database) {
  const insertRow = (u: NewUserRecord, at: Date) => ({
    id: randomUUID(),
    tenant_id: u.tenantId,
    email: u.email,
    email_verified: u.emailVerified,
    name: u.name,
    groups: u.groups,
    password_hash: u.passwordHash,
    created_at: at,
    updated_at: at,
  });
  // Every write of a user row moves updated_at (Prisma's @updatedAt did).
  const patchRow = (p: UserPatch, at: Date) => ({
    ...(p.disabled !== undefined ? { disabled: p.disabled } : {}),
    ...(p.passwordHash !== undefined ? { password_hash: p.passwordHash } : {}),
    ...(p.lastLoginAt !== undefined ? { last_login_at: p.lastLoginAt } : {}),
    updated_at: at,
  });
  const withTenantStatus = () =>
    db.selectFrom('users').innerJoin('tenants', 'tenants.id', 'users.tenant_id').selectAll('users').select('tenants.status as tenant_status');
  const withStatus = (r: (Selectable<User> & { tenant_status: TenantStatus }) | undefined) =>
    r ? { user: toUserRecord(r), tenantStatus: r.tenant_status } : null;

  return {
    async byId(id: string): Promise<UserRecord | null> {
      const r = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toUserRecord(r) : null;
    },
    /** `email` as stored: already normalised by the caller. */
    async byEmail(tenantId: string, email: string): Promise<UserRecord | null> {
      const r = await db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).where('email', '=', email).executeTakeFirst();
      return r ? toUserRecord(r) : null;
    },
    /** The user and its tenant's status (disabled tenants' users can neither sign in nor use tokens). */
    async byIdWithTenantStatus(id: string) {
      return withStatus(await withTenantStatus().where('users.id', '=', id).executeTakeFirst());
    },
    async byEmailWithTenantStatus(tenantId: string, email: string) {
      return withStatus(await withTenantStatus().where('users.tenant_id', '=', tenantId).where('users.email', '=', email).executeTakeFirst());
    },
    /** Which of these (normalised) emails the tenant already has. */
    async emailsTaken(tenantId: string, emails: string[]): Promise<string[]> {
      if (emails.length === 0) return [];
      const rows = await db
        .selectFrom('users')
        .select('email')
        .where('tenant_id', '=', tenantId)
        .where((eb) => eb('email', '=', eb.fn.any(eb.val(emails))))
        .execute();
      return rows.map((r) => r.email);
    },
    /** Throws PostgreSQL's unique violation when the tenant has the email already. */
    async insert(user: NewUserRecord, at: Date): Promise<UserRecord> {
      return toUserRecord(await db.insertInto('users').values(insertRow(user, at)).returningAll().executeTakeFirstOrThrow());
    },
    /** Inserts every row (in batches: run it in a transaction for all-or-nothing); returns the count. */
    async insertMany(users: NewUserRecord[], at: Date): Promise<number> {
      let created = 0;
      for (let i = 0; i < users.length; i += INSERT_BATCH) {
        const r = await db
          .insertInto('users')
          .values(users.slice(i, i + INSERT_BATCH).map((u) => insertRow(u, at)))
          .executeTakeFirstOrThrow();
        created += Number(r.numInsertedOrUpdatedRows ?? 0n);
      }
      return created;
    },
    /** The updated user, or null when there is no such user. */
    async updateByEmail(tenantId: string, email: string, patch: UserPatch, at: Date): Promise<UserRecord | null> {
      const r = await db
        .updateTable('users')
        .set(patchRow(patch, at))
        .where('tenant_id', '=', tenantId)
        .where('email', '=', email)
        .returningAll()
        .executeTakeFirst();
      return r ? toUserRecord(r) : null;
    },
    async updateById(id: string, patch: UserPatch, at: Date): Promise<UserRecord | null> {
      const r = await db.updateTable('users').set(patchRow(patch, at)).where('id', '=', id).returningAll().executeTakeFirst();
      return r ? toUserRecord(r) : null;
    },
    /** Replaces the hash only if it is still `expected` (a password set meanwhile wins); whether it did. */
    async replaceHash(id: string, expected: string, next: string, at: Date): Promise<boolean> {
      const r = await db
        .updateTable('users')
        .set(patchRow({ passwordHash: next }, at))
        .where('id', '=', id)
        .where('password_hash', '=', expected)
        .executeTakeFirst();
      return r.numUpdatedRows > 0n;
    },
    /** The tenant's users by email. */
    async list(tenantId: string): Promise<UserRecord[]> {
      return (await db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).orderBy('email').execute()).map(toUserRecord);
    },
    /** Up to `take` users by email: `contains` (lower-case) matched literally, `after` an exclusive cursor. */
    async page(tenantId: string, opts: { contains?: string; after?: string; take: number }): Promise<UserRecord[]> {
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .$if(Boolean(opts.contains), (q) => q.where('email', 'like', `%${escapeLike(opts.contains!)}%`))
        .$if(Boolean(opts.after), (q) => q.where('email', '>', opts.after!))
        .orderBy('email')
        .limit(opts.take)
        .execute();
      return rows.map(toUserRecord);
    },
  };
}
