// User administration (CLI, later an admin API). Emails are stored lower-cased so the
// (tenant, email) uniqueness is case-insensitive.
import { isUniqueViolation, type Database } from '../db/database.js';
import { createIdcSessionTable } from '../db/idc-sessions.js';
import { loginThrottleQueries } from '../db/login-throttle.js';
import { tenantQueries } from '../db/tenants.js';
import { userMfaQueries } from '../db/user-mfa.js';
import { userQueries, type UserPatch } from '../db/users.js';
import { AppError, notFound, validationError, type FieldProblem } from '../shared/errors.js';
import { notify, type OnChange } from '../tenants/events.js';
import { randomBytes } from 'node:crypto';
import type { PasswordHasher } from './password.js';
import { accountKey } from './throttle.js';
import { toAccount, type Account, type ImportRecord, type NewUser, type ThrottleCounter } from './types.js';
import { checkEmail, checkGroups, checkName, checkPassword, normalizeEmail, normalizeGroups } from './validate.js';
import { checkImport, checkImportList } from './import-check.js';
import { parseHash } from './hash-formats.js';

export interface UserAdmin {
  addUser(input: NewUser): Promise<Account>;
  /** All rows or none; problems are reported per row number. */
  importUsers(tenantId: string, records: ImportRecord[]): Promise<{ created: number }>;
  disableUser(tenantId: string, email: string): Promise<Account>;
  enableUser(tenantId: string, email: string): Promise<Account>;
  setPassword(tenantId: string, email: string, password: string): Promise<void>;
  /** The user can then sign in only through an upstream (whose next sign-in links to it). */
  removePassword(tenantId: string, email: string): Promise<Account>;
  listUsers(tenantId: string): Promise<Account[]>;
  /** One page of a tenant's users by email; `email` filters by substring; `after` is the last email of the previous page. */
  pageUsers(tenantId: string, opts?: { email?: string; after?: string; limit?: number }): Promise<{ users: Account[]; nextCursor: string | null }>;
  getUser(tenantId: string, email: string): Promise<Account | null>;
  /** Clears the account's login lock and failure count (the per-IP counters stay). */
  unlockUser(tenantId: string, email: string): Promise<{ user: Account; wasLocked: boolean }>;
  /** Sets the given password, or a generated one returned once; clears the account's lock. */
  resetPassword(tenantId: string, email: string, password?: string): Promise<{ user: Account; generatedPassword?: string }>;
  /** Whether the account's login is locked now. */
  isLocked(tenantId: string, email: string): Promise<boolean>;
  /**
   * Removes the user's authenticator and recovery codes (lost phone): their next sign-in
   * enrols again if the tenant requires it. With `tenantId`, only a user of that tenant
   * (callers scoped to tenants pass it). Returns whether an authenticator was set up.
   */
  resetMfa(userId: string, opts?: { tenantId?: string }): Promise<{ reset: boolean }>;
  /** Whether the user has a confirmed authenticator, and how many recovery codes are left. */
  mfaStatus(userId: string): Promise<{ enrolled: boolean; recoveryCodesLeft: number }>;
}

/** The canonical form of a hash checkImport accepted (e.g. Django's "argon2$" prefix dropped). */
function importedHash(hash: string | undefined): string | null {
  if (!hash) return null;
  const parsed = parseHash(hash);
  return 'error' in parsed ? null : parsed.stored;
}

const userExists = (email: string) => new AppError('user_exists', 409, `a user with email '${email}' already exists in this tenant`);

export function createUserAdmin(deps: { database: Database; hasher: PasswordHasher; onChange?: OnChange; now?: () => Date }): UserAdmin {
  const { database, hasher } = deps;
  const now = deps.now ?? (() => new Date());
  const users = userQueries(database);
  const mfaRows = userMfaQueries(database);
  const tenants = tenantQueries(database);

  const lockInForce = (row: ThrottleCounter | null) => Boolean(row?.lockedUntil && row.lockedUntil.getTime() > now().getTime());

  /** Deletes the account's throttle counter (on `db`: a transaction's, or the pool); says whether a lock was in force. */
  async function clearLock(tenantId: string, email: string, db: Database = database): Promise<boolean> {
    return lockInForce(await loginThrottleQueries(db).remove(accountKey(tenantId, email)));
  }

  function passwordProblems(password: unknown): void {
    const problems: FieldProblem[] = [];
    checkPassword(password, problems);
    if (problems.length) throw validationError(problems);
  }

  async function requireTenant(tenantId: string): Promise<void> {
    if (typeof tenantId !== 'string' || (await tenants.get(tenantId)) === null) {
      throw notFound('tenant', String(tenantId));
    }
  }

  async function addUser(input: NewUser): Promise<Account> {
    const problems: FieldProblem[] = [];
    checkEmail(input.email, problems);
    if (input.password !== undefined) checkPassword(input.password, problems);
    checkName(input.name, problems);
    checkGroups(input.groups, problems);
    if (problems.length) throw validationError(problems);
    await requireTenant(input.tenantId);
    const email = normalizeEmail(input.email);
    const passwordHash = input.password === undefined ? null : await hasher.hash(input.password);
    try {
      const user = await users.insert(
        {
          tenantId: input.tenantId,
          email,
          passwordHash,
          name: input.name || null,
          groups: normalizeGroups(input.groups),
          emailVerified: input.emailVerified ?? true,
        },
        now(),
      );
      return toAccount(user);
    } catch (err) {
      if (isUniqueViolation(err)) throw userExists(email);
      throw err;
    }
  }

  async function importUsers(tenantId: string, records: ImportRecord[]): Promise<{ created: number }> {
    checkImportList(records);
    await requireTenant(tenantId);
    const existing = await users.emailsTaken(
      tenantId,
      records.map((r) => (typeof r?.email === 'string' ? normalizeEmail(r.email) : '')),
    );
    checkImport(records, new Set(existing));
    const rows = await Promise.all(
      records.map(async (r) => ({
        tenantId,
        email: normalizeEmail(r.email),
        emailVerified: true,
        name: r.name || null,
        groups: normalizeGroups(r.groups),
        passwordHash: r.password ? await hasher.hash(r.password) : importedHash(r.passwordHash),
      })),
    );
    try {
      // One transaction: a row failing (e.g. a concurrent insert) inserts nothing.
      const at = now();
      const created = await database.transaction().execute((trx) => userQueries(trx).insertMany(rows, at));
      return { created };
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('user_exists', 409, 'some users were created meanwhile; nothing was imported');
      throw err;
    }
  }

  /** Changes the user (on `db`: a transaction's, or the pool); user_not_found when there is none. */
  async function update(tenantId: string, email: string, patch: UserPatch, db: Database = database) {
    const user = await userQueries(db).updateByEmail(tenantId, normalizeEmail(String(email)), patch, now());
    if (!user) throw notFound('user', String(email));
    return user;
  }

  /** A new password and the end of the account's lock, together (the hash is computed before). */
  const changePassword = (tenantId: string, email: string, passwordHash: string) =>
    database.transaction().execute(async (trx) => {
      const user = await update(tenantId, email, { passwordHash }, trx);
      await clearLock(tenantId, user.email, trx);
      return user;
    });

  return {
    addUser,
    importUsers,
    async disableUser(tenantId, email) {
      const user = await update(tenantId, email, { disabled: true });
      // Its Identity Center session (authorization-code tenants) ends with it: enabling the
      // user again needs a new sign-in at Identity Center. Here, not in a listener, so the CLI does it too.
      await createIdcSessionTable(database).drop(tenantId, user.id);
      notify(deps.onChange, { type: 'user_disabled', tenantId, userId: user.id });
      return toAccount(user);
    },
    async enableUser(tenantId, email) {
      return toAccount(await update(tenantId, email, { disabled: false }));
    },
    async setPassword(tenantId, email, password) {
      passwordProblems(password);
      // A new password is an administrator's answer to a locked-out user: the lock goes too.
      await changePassword(tenantId, email, await hasher.hash(password));
    },
    async resetPassword(tenantId, email, password) {
      // 24 random bytes: far above the minimum length, typeable, shown once.
      const generated = password === undefined ? randomBytes(18).toString('base64url') : undefined;
      const chosen = password ?? generated!;
      passwordProblems(chosen);
      const user = await changePassword(tenantId, email, await hasher.hash(chosen));
      return { user: toAccount(user), ...(generated ? { generatedPassword: generated } : {}) };
    },
    async unlockUser(tenantId, email) {
      const user = await users.byEmail(tenantId, normalizeEmail(String(email)));
      if (!user) throw notFound('user', String(email));
      return { user: toAccount(user), wasLocked: await clearLock(tenantId, user.email) };
    },
    async isLocked(tenantId, email) {
      return lockInForce(await loginThrottleQueries(database).get(accountKey(tenantId, email)));
    },
    async removePassword(tenantId, email) {
      return toAccount(await update(tenantId, email, { passwordHash: null }));
    },
    async listUsers(tenantId) {
      await requireTenant(tenantId);
      return (await users.list(tenantId)).map(toAccount);
    },
    async resetMfa(userId, opts = {}) {
      const user = typeof userId === 'string' ? await users.byId(userId) : null;
      if (!user || (opts.tenantId !== undefined && user.tenantId !== opts.tenantId)) throw notFound('user', String(userId));
      return { reset: await mfaRows.remove(userId) };
    },
    async mfaStatus(userId) {
      const mfa = await mfaRows.get(userId);
      return mfa?.confirmedAt ? { enrolled: true, recoveryCodesLeft: mfa.recoveryCodes.length } : { enrolled: false, recoveryCodesLeft: 0 };
    },
    async pageUsers(tenantId, opts = {}) {
      await requireTenant(tenantId);
      const limit = opts.limit ?? 100;
      const rows = await users.page(tenantId, { contains: opts.email ? opts.email.toLowerCase() : undefined, after: opts.after, take: limit + 1 });
      const page = rows.slice(0, limit).map(toAccount);
      return { users: page, nextCursor: rows.length > limit ? page[page.length - 1]!.email : null };
    },
    async getUser(tenantId, email) {
      const user = await users.byEmail(tenantId, normalizeEmail(String(email)));
      return user ? toAccount(user) : null;
    },
  };
}
