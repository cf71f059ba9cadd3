// Authorization codes of the sandbox's Identity Center authorize endpoint: random, short-lived
// (AWS does not publish the lifetime; OAuth recommends at most 10 minutes, we use 5) and
// single-use. A consumed code is remembered until it would have expired, so a replay is told
// apart from a code that never existed (both are InvalidGrantException, with different text).
import { randomBytes } from 'node:crypto';

export const AUTH_CODE_LIFETIME_MS = 5 * 60_000;

export interface AuthCodeGrant {
  /** The IDC application ARN the code was issued to (CreateTokenWithIAM's clientId). */
  clientId: string;
  userId: string;
  redirectUri: string;
  /** PKCE S256 challenge, when the authorize request carried one. */
  codeChallenge?: string;
  /** Epoch seconds of the sign-in (the idToken's auth_time). */
  authTime: number;
  scopes: string[];
}

export type Consumed = { ok: true; grant: AuthCodeGrant } | { ok: false; reason: 'unknown' | 'used' | 'expired' };

export interface AuthCodes {
  issue(grant: AuthCodeGrant): string;
  consume(code: string): Consumed;
}

export function createAuthCodes(now: () => number): AuthCodes {
  const codes = new Map<string, { grant: AuthCodeGrant; expiresAt: number; used: boolean }>();
  const sweep = (t: number) => {
    for (const [k, v] of codes) if (v.expiresAt <= t) codes.delete(k);
  };
  return {
    issue(grant) {
      const t = now();
      if (codes.size > 1000) sweep(t);
      const code = randomBytes(32).toString('base64url');
      codes.set(code, { grant, expiresAt: t + AUTH_CODE_LIFETIME_MS, used: false });
      return code;
    },
    consume(code) {
      const entry = codes.get(code);
      if (!entry) return { ok: false, reason: 'unknown' };
      if (entry.expiresAt <= now()) {
        codes.delete(code);
        return { ok: false, reason: 'expired' };
      }
      if (entry.used) return { ok: false, reason: 'used' };
      entry.used = true;
      return { ok: true, grant: entry.grant };
    },
  };
}
