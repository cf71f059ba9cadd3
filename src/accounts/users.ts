// User administration (CLI, later an admin API). Emails are stored lower-cased so the
// (tenant, email) uniqueness is case-insensitive.
import { isNotFound, isUniqueViolation, type Db } from '../db/client.js';
import { AppError, notFound, validationError, type FieldProblem } from '../shared/errors.js';
import { notify, type OnChange } from '../tenants/events.js';
import type { PasswordHasher } from './password.js';
import { toAccount, type Account, type ImportRecord, type NewUser } from './types.js';
import { checkEmail, checkGroups, checkName, checkPassword, normalizeEmail, normalizeGroups } from './validate.js';
import { checkImport, checkImportList } from './import-check.js';

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
  getUser(tenantId: string, email: string): Promise<Account | null>;
}

const userExists = (email: string) =>
  new AppError('user_exists', 409, `a user with email '${email}' already exists in this tenant`);

export function createUserAdmin(deps: { db: Db; hasher: PasswordHasher; onChange?: OnChange }): UserAdmin {
  const { db, hasher } = deps;

  async function requireTenant(tenantId: string): Promise<void> {
    if (typeof tenantId !== 'string' || !(await db.tenant.findUnique({ where: { id: tenantId }, select: { id: true } }))) {
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
      const user = await db.user.create({
        data: {
          tenantId: input.tenantId, email, passwordHash, name: input.name || null,
          groups: normalizeGroups(input.groups), emailVerified: input.emailVerified ?? true,
        },
      });
      return toAccount(user);
    } catch (err) {
      if (isUniqueViolation(err)) throw userExists(email);
      throw err;
    }
  }

  async function importUsers(tenantId: string, records: ImportRecord[]): Promise<{ created: number }> {
    checkImportList(records);
    await requireTenant(tenantId);
    const existing = await db.user.findMany({
      where: { tenantId, email: { in: records.map((r) => (typeof r?.email === 'string' ? normalizeEmail(r.email) : '')) } },
      select: { email: true },
    });
    checkImport(records, new Set(existing.map((u) => u.email)));
    const data = await Promise.all(records.map(async (r) => ({
      tenantId, email: normalizeEmail(r.email), name: r.name || null, groups: normalizeGroups(r.groups),
      passwordHash: r.password ? await hasher.hash(r.password) : null,
    })));
    try {
      // One statement inside one transaction: a row failing (e.g. a concurrent insert) inserts nothing.
      const { count } = await db.$transaction((tx) => tx.user.createMany({ data }));
      return { created: count };
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('user_exists', 409, 'some users were created meanwhile; nothing was imported');
      throw err;
    }
  }

  async function update(tenantId: string, email: string, data: { disabled?: boolean; passwordHash?: string | null }) {
    try {
      return await db.user.update({ where: { tenantId_email: { tenantId, email: normalizeEmail(String(email)) } }, data });
    } catch (err) {
      if (isNotFound(err)) throw notFound('user', String(email));
      throw err;
    }
  }

  return {
    addUser,
    importUsers,
    async disableUser(tenantId, email) {
      const user = await update(tenantId, email, { disabled: true });
      notify(deps.onChange, { type: 'user_disabled', tenantId, userId: user.id });
      return toAccount(user);
    },
    async enableUser(tenantId, email) {
      return toAccount(await update(tenantId, email, { disabled: false }));
    },
    async setPassword(tenantId, email, password) {
      const problems: FieldProblem[] = [];
      checkPassword(password, problems);
      if (problems.length) throw validationError(problems);
      await update(tenantId, email, { passwordHash: await hasher.hash(password) });
    },
    async removePassword(tenantId, email) {
      return toAccount(await update(tenantId, email, { passwordHash: null }));
    },
    async listUsers(tenantId) {
      await requireTenant(tenantId);
      return (await db.user.findMany({ where: { tenantId }, orderBy: { email: 'asc' } })).map(toAccount);
    },
    async getUser(tenantId, email) {
      const user = await db.user.findUnique({ where: { tenantId_email: { tenantId, email: normalizeEmail(String(email)) } } });
      return user ? toAccount(user) : null;
    },
  };
}
