import type { User } from '../db/generated/client.js';

/** A user as the rest of the application sees it: never the password hash. */
export type Account = Omit<User, 'passwordHash'> & { hasPassword: boolean };

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

export type AuthResult =
  | { ok: true; user: Account }
  | { ok: false; reason: 'invalid_credentials' | 'locked'; retryAfterSeconds?: number };

/** Standard and custom claims for ID tokens and userinfo. */
export interface AccountClaims {
  sub: string;
  email: string;
  email_verified: boolean;
  name?: string;
  tenant_id: string;
  groups: string[];
}

export function toAccount(user: User): Account {
  const { passwordHash, ...rest } = user;
  return { ...rest, hasPassword: passwordHash !== null };
}
