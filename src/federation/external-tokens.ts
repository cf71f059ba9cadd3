// The broker's trusted external issuers: `user.token` in a search may be an ID or access
// token from the ISV's own identity provider (an upstream with tokenAudience set). It is
// verified against that provider's published keys (discovery → jwks_uri), RS256 or ES256
// only, with iss, aud, exp and sub required and the clock skew the upstream allows
// (at most 60 s), then mapped to tenant and email by the upstream's claim mapping, and the
// user is the tenant's user with that email (created without a password when missing).
import { decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { UpstreamRow } from '../db/upstreams.js';
import type { UserRecord } from '../broker/ports.js';
import { AppError } from '../shared/errors.js';
import { mapClaims, type FederatedUsers } from './identity.js';
import { upstreamUnavailable, type UpstreamClient } from './upstream-client.js';
import type { UpstreamService } from './upstreams.js';

export const EXTERNAL_TOKEN_ALGORITHMS = ['RS256', 'ES256'];
const invalid = (message: string) => new AppError('invalid_user_token', 401, message);

export interface ExternalTokens {
  /** Whether the token names an issuer other than this provider (cheap: no signature check). */
  isExternal(token: string): boolean;
  /** Verifies the token and returns its user in the tenant; AppError otherwise. */
  resolve(token: string, tenantId: string): Promise<UserRecord>;
}

export function createExternalTokens(deps: {
  issuer: string;
  upstreams: Pick<UpstreamService, 'byIssuer'>;
  client: UpstreamClient;
  users: FederatedUsers;
  now?: () => number;
}): ExternalTokens {
  const now = deps.now ?? Date.now;
  const peek = (token: string): JWTPayload | null => {
    try {
      return decodeJwt(token);
    } catch {
      return null;
    }
  };

  async function pick(payload: JWTPayload, tenantId: string): Promise<UpstreamRow> {
    const iss = String(payload.iss).slice(0, 200);
    const rows = (await deps.upstreams.byIssuer(String(payload.iss))).filter((r) => r.token_audience !== null);
    if (!rows.length)
      throw invalid(
        `The user token's issuer (${iss}) is neither this provider nor a trusted external issuer; add it with tti-bridge upstreams add --token-audience.`,
      );
    const auds = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    const forAud = rows.filter((r) => auds.includes(r.token_audience!));
    if (!forAud.length) throw invalid(`The user token was not issued for this use (aud check failed: it is not the audience configured for ${iss}).`);
    return forAud.find((r) => r.tenants.includes(tenantId)) ?? forAud[0]!;
  }

  return {
    isExternal(token) {
      const p = typeof token === 'string' ? peek(token) : null;
      return typeof p?.iss === 'string' && p.iss !== deps.issuer;
    },
    async resolve(token, tenantId) {
      const u = await pick(peek(token)!, tenantId);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, await deps.client.keys(u), {
          issuer: u.issuer,
          audience: u.token_audience!,
          algorithms: EXTERNAL_TOKEN_ALGORITHMS,
          clockTolerance: Math.min(u.clock_skew_seconds, 60),
          currentDate: new Date(now()),
          requiredClaims: ['exp', 'iss', 'aud', 'sub'],
        }));
      } catch (err) {
        throw explain(u, err);
      }
      const user = await deps.users.byEmail(mapClaims(u, payload as Record<string, unknown>, tenantId));
      return {
        id: user.id,
        tenantId: user.tenant_id,
        email: user.email,
        emailVerified: user.email_verified,
        name: user.name,
        groups: user.groups,
        disabled: user.disabled,
      };
    },
  };
}

function explain(u: UpstreamRow, err: unknown): AppError {
  if (err instanceof AppError) return err;
  const who = `${u.display_name} (${u.id})`;
  if (
    err instanceof joseErrors.JWKSTimeout ||
    (err instanceof TypeError && err.message === 'fetch failed') ||
    (err instanceof joseErrors.JOSEError && /Expected 200 OK/.test(err.message))
  ) {
    return upstreamUnavailable(u, 'its key set could not be fetched');
  }
  if (err instanceof joseErrors.JWTExpired) return new AppError('user_token_expired', 401, `The user token from ${who} has expired; get a new one.`);
  if (err instanceof joseErrors.JWTClaimValidationFailed)
    return invalid(`The user token from ${who} was not issued for this use (${err.claim} check failed: ${err.reason}).`);
  if (err instanceof joseErrors.JOSEAlgNotAllowed)
    return invalid(`The user token from ${who} is signed with an algorithm the broker refuses; only ${EXTERNAL_TOKEN_ALGORITHMS.join(' and ')} are accepted.`);
  return invalid(`The user token from ${who} could not be verified (bad signature or unknown key).`);
}
