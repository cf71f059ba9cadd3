// The sign-in log: one line per login attempt, consent and logout, for operators who must
// answer "did alice sign in at 09:14, from where, and why did bob fail?". Each line has an
// `event` name, the tenant, the user id, the client id, the client IP (Koa's proxy-aware
// ctx.ip) and, from the logger's request context, the request id. Never a password.
//
// A failed attempt for a login name that matches no user logs no user id and not the name
// itself (people type passwords into the email field): only `loginHash`, a keyed hash of
// tenant and normalized email under SECRET_KEY. Repeated attempts for one name share a
// hash, so probing stands out, and an operator who suspects a name can compute its hash
// with the key, but the log alone does not say which names were tried.
import { createHmac } from 'node:crypto';
import type { Logger } from '../shared/logger.js';
import type { AuthResult } from '../accounts/types.js';
import { normalizeEmail } from '../accounts/validate.js';

export interface LoginAttempt {
  tenantId: string;
  email: string;
  clientId: string;
  ip: string;
  /** The authentication's result, or `server_busy` when too many logins were in progress. */
  result: AuthResult | 'server_busy';
  /** On success: how the user signed in (["pwd"], ["pwd","otp"], ["pwd","mfa"]), as in the ID token. */
  amr?: string[];
}

export interface SignInLog {
  login(attempt: LoginAttempt): void;
  consent(e: { userId?: string; clientId: string; scopes: string[]; ip: string }): void;
  logout(e: { userId?: string; clientId?: string; ip: string }): void;
}

/** Tenant ids are at most 256 characters; an attempt may send anything, so bound what is logged. */
const bounded = (s: string) => (s.length > 64 ? `${s.slice(0, 64)}…` : s);

/** 16 hex characters of HMAC-SHA256(secret, "login-name:<tenant>:<normalized email>"). */
export function loginHash(secret: string, tenantId: string, email: string): string {
  return createHmac('sha256', secret)
    .update(`login-name:${tenantId}:${normalizeEmail(email)}`)
    .digest('hex')
    .slice(0, 16);
}

export function createSignInLog(logger: Logger, secret: string): SignInLog {
  return {
    login({ tenantId, email, clientId, ip, result, amr }) {
      const base = { tenantId: bounded(tenantId), clientId, ip };
      if (result === 'server_busy') {
        logger.warn(
          { event: 'login.failure', reason: 'server_busy', ...base, loginHash: loginHash(secret, tenantId, email) },
          'sign-in refused: too many logins in progress',
        );
        return;
      }
      if (result.ok) {
        logger.info({ event: 'login.success', ...base, userId: result.user.id, ...(amr ? { amr } : {}) }, 'sign-in succeeded');
        return;
      }
      const who = result.userId ? { userId: result.userId } : { loginHash: loginHash(secret, tenantId, email) };
      logger.info({ event: 'login.failure', reason: result.cause, ...base, ...who }, 'sign-in failed');
    },
    consent({ userId, clientId, scopes, ip }) {
      logger.info({ event: 'consent.granted', userId, clientId, scopes, ip }, 'consent granted');
    },
    logout({ userId, clientId, ip }) {
      logger.info({ event: 'logout', userId, clientId, ip }, 'signed out');
    },
  };
}
