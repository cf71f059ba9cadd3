// Temporary credentials minted by AssumeRole. The session token is an opaque sealed record of
// the access key and expiry (it looks like AWS's); a request's token must be exactly the one
// minted with its access key, so an altered token or another key's token is refused.
import { timingSafeEqual } from 'node:crypto';
import type { Sealer } from './sealer.js';
import { TENANT_TAG, type Caller, type IdentityContext, type Principal, type Role, type Session } from './model.js';
import { AuthFailure, type KeyResolver } from '../sigv4/verify.js';
import { newSecretAccessKey, newTempAccessKeyId } from '../util.js';

const TOKEN_PURPOSE = 'session-token';
const TOKEN_PREFIX = 'IQoJb3JpZ2luX2Vj';
const INVALID_TOKEN = 'The security token included in the request is invalid.';

export interface NewSession {
  role: Role;
  sessionName: string;
  tags: Map<string, string>;
  identity?: IdentityContext;
  durationSeconds: number;
}

export interface SessionStore {
  mint(input: NewSession): Session;
  resolver: KeyResolver;
}

export function createSessionStore(principals: Map<string, Principal>, sealer: Sealer, now: () => number): SessionStore {
  const sessions = new Map<string, Session>();

  const purge = () => {
    const t = now();
    // Expired sessions are kept an hour so their use still reports ExpiredToken, then dropped.
    for (const [k, s] of sessions) if (s.expiresAt + 3_600_000 < t) sessions.delete(k);
  };

  return {
    mint(input) {
      if (sessions.size % 1000 === 999) purge();
      const accessKeyId = newTempAccessKeyId();
      const expiresAt = now() + input.durationSeconds * 1000;
      const session: Session = {
        accessKeyId,
        secretAccessKey: newSecretAccessKey(),
        sessionToken: sealer.seal(TOKEN_PURPOSE, { k: accessKeyId, e: expiresAt }, TOKEN_PREFIX),
        role: input.role,
        arn: `arn:aws:sts::${input.role.accountId}:assumed-role/${input.role.name}/${input.sessionName}`,
        assumedRoleId: `${input.role.roleId}:${input.sessionName}`,
        externalId: input.tags.get(TENANT_TAG),
        ...(input.identity ? { identity: input.identity } : {}),
        expiresAt,
      };
      sessions.set(accessKeyId, session);
      return session;
    },
    resolver(accessKeyId, token) {
      const principal = principals.get(accessKeyId);
      if (principal) {
        const caller: Caller = { kind: 'principal', arn: principal.arn, accountId: principal.accountId, principal };
        return { caller, secret: principal.secretAccessKey };
      }
      const session = sessions.get(accessKeyId);
      // Comparing with the token minted for this key is the whole check: no need to open the seal.
      if (!session || !token || !sameToken(token, session.sessionToken)) throw new AuthFailure('unknown-key', INVALID_TOKEN);
      if (session.expiresAt <= now()) throw new AuthFailure('expired', 'The security token included in the request is expired');
      const caller: Caller = { kind: 'session', arn: session.arn, accountId: session.role.accountId, session };
      return { caller, secret: session.secretAccessKey };
    },
  };
}

function sameToken(given: string, minted: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(minted);
  return a.length === b.length && timingSafeEqual(a, b);
}
