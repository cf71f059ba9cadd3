/** A user as stored (src/db/users.ts maps the row); the hash stays inside the accounts module. */
export interface UserRecord {
  id: string;
  tenantId: string;
  email: string;
  emailVerified: boolean;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
  externalId: string | null;
  groups: string[];
  passwordHash: string | null;
  disabled: boolean;
  lastLoginAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A user as the rest of the application sees it: never the password hash. */
export type Account = Omit<UserRecord, 'passwordHash'> & { hasPassword: boolean };

/** A user's authenticator (src/db/user-mfa.ts maps the row): sealed secret, last accepted step, hashed recovery codes. */
export interface UserMfaRecord {
  userId: string;
  totpSecretEnc: string;
  confirmedAt: Date | null;
  lastStep: bigint | null;
  recoveryCodes: string[];
  createdAt: Date;
}

/** One login_throttle counter (src/db/login-throttle.ts maps the row). */
export interface ThrottleCounter {
  key: string;
  failures: number;
  lastFailure: Date;
  lockedUntil: Date | null;
}

export interface NewUser {
  tenantId: string;
  email: string;
  name?: string | null;
  groups?: string[];
  /** Without one, the user cannot log in until a password is set. */
  password?: string;
  emailVerified?: boolean;
}

/** One user from an import file; `row` numbers problems the way the file's author sees them. */
export interface ImportRecord {
  row?: number;
  email: string;
  name?: string | null;
  groups?: string[];
  password?: string;
  /** A hash from another system (hash-formats.ts); the user keeps their password. */
  passwordHash?: string;
}

/**
 * Why a login failed, for the operator's sign-in log only: the user is told no more than
 * `reason` (one message for every credential problem, so the page does not reveal which
 * accounts exist). `locked`: the account's counter is locked; `throttled`: the client IP's;
 * `wrong_code`: the password was right but the second-factor code was not (or was used before).
 */
export type LoginFailureCause = 'wrong_password' | 'unknown_user' | 'no_password' | 'disabled' | 'locked' | 'throttled' | 'wrong_code';

export type AuthResult =
  | { ok: true; user: Account }
  | { ok: false; reason: 'invalid_credentials' | 'locked'; cause: LoginFailureCause; retryAfterSeconds?: number; userId?: string };

/** Standard and custom claims for ID tokens and userinfo. */
export interface AccountClaims {
  sub: string;
  email: string;
  email_verified: boolean;
  name?: string;
  tenant_id: string;
  groups: string[];
}

export function toAccount(user: UserRecord): Account {
  const { passwordHash, ...rest } = user;
  return { ...rest, hasPassword: passwordHash !== null };
}
