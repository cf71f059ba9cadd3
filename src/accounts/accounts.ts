// The account side of the OpenID Provider: login checks for the interaction routes,
// lookups for the provider's findAccount, and the user administration used by the CLI.
import type { Database } from '../db/database.js';
import { userQueries } from '../db/users.js';
import type { OnChange } from '../tenants/events.js';
import type { PasswordHasher } from './password.js';
import type { LoginThrottle } from './throttle.js';
import { normalizeEmail } from './validate.js';
import { createUserAdmin, type UserAdmin } from './users.js';
import { toAccount, type Account, type AccountClaims, type AuthResult, type LoginFailureCause } from './types.js';

export type { Account, AccountClaims, AuthResult, LoginFailureCause, NewUser, ImportRecord } from './types.js';

export interface AccountServiceDeps {
  database: Database;
  hasher: PasswordHasher;
  throttle: LoginThrottle;
  now?: () => Date;
  onChange?: OnChange;
}

export interface AuthenticateInput {
  tenantId: string;
  email: string;
  password: string;
  ip?: string;
}

export interface AccountService extends UserAdmin {
  authenticate(input: AuthenticateInput): Promise<AuthResult>;
  /** Only accounts that may currently use tokens: null when missing, disabled or in a disabled tenant. */
  findById(id: string): Promise<Account | null>;
  claimsFor(user: Account): AccountClaims;
}

const invalid = (cause: LoginFailureCause, userId?: string): AuthResult => ({ ok: false, reason: 'invalid_credentials', cause, ...(userId ? { userId } : {}) });

export function createAccountService(deps: AccountServiceDeps): AccountService {
  const { database, hasher, throttle } = deps;
  const users = userQueries(database);
  const now = deps.now ?? (() => new Date());

  async function authenticate(input: AuthenticateInput): Promise<AuthResult> {
    if (typeof input.email !== 'string' || typeof input.password !== 'string') return invalid('unknown_user');
    const email = normalizeEmail(input.email);
    // PostgreSQL refuses NUL in text (a 500 from the login page); no such account can exist.
    if (email.includes('\0') || input.tenantId.includes('\0')) {
      await hasher.verifyDecoy(input.password);
      return invalid('unknown_user');
    }
    const attempt = { tenantId: input.tenantId, email, ip: input.ip };
    const gate = await throttle.guard(attempt);
    if (gate.locked) return { ok: false, reason: 'locked', cause: gate.lockedBy === 'ip' ? 'throttled' : 'locked', retryAfterSeconds: gate.retryAfterSeconds };

    const found = await users.byEmailWithTenantStatus(input.tenantId, email);
    const user = found?.user;
    // Every path runs exactly one argon2 verification so response time does not reveal
    // whether the tenant or user exists; disabled flags are read only afterwards.
    const result = user?.passwordHash ? await hasher.verify(user.passwordHash, input.password) : await hasher.verifyDecoy(input.password);
    if (!result.ok || !user || user.disabled || found?.tenantStatus === 'disabled') {
      await throttle.recordFailure(attempt);
      if (!user) return invalid('unknown_user');
      if (!user.passwordHash) return invalid('no_password', user.id);
      return invalid(result.ok ? 'disabled' : 'wrong_password', user.id);
    }
    // No counter when the gate was read: nothing to clear, so the usual login skips the write.
    await throttle.recordSuccess(attempt, gate);
    if (result.needsRehash && user.passwordHash) {
      // Imported or older hashes become argon2id under our settings. Only if the hash is still the
      // one just verified: a password set meanwhile (or a concurrent login's rehash) wins.
      const rehashed = await hasher.hash(input.password);
      await users.replaceHash(user.id, user.passwordHash, rehashed, now());
    }
    const at = now();
    const updated = await users.updateById(user.id, { lastLoginAt: at }, at);
    // Deleted between the check and here: as with any vanished row, an error.
    if (!updated) throw new Error('the user was deleted during sign-in');
    return { ok: true, user: toAccount(updated) };
  }

  async function findById(id: string): Promise<Account | null> {
    const found = await users.byIdWithTenantStatus(id);
    if (!found || found.user.disabled || found.tenantStatus === 'disabled') return null;
    return toAccount(found.user);
  }

  const claimsFor = (user: Account): AccountClaims => ({
    sub: user.id,
    email: user.email,
    email_verified: user.emailVerified,
    ...(user.name ? { name: user.name } : {}),
    tenant_id: user.tenantId,
    groups: user.groups,
  });

  return { authenticate, findById, claimsFor, ...createUserAdmin({ database, hasher, onChange: deps.onChange, now }) };
}
