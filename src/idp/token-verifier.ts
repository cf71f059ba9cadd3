// Verifies tokens our own provider issued, against our own published keys (no HTTP
// round trip): broker API service tokens (client-credentials JWT access tokens for the
// broker audience) and user tokens (ID tokens, or JWT access tokens issued to a user).
// A bad user token has its own code (invalid_user_token), so the calling service can tell
// "re-authenticate the user" from "get a new service token" (invalid_token); an expired
// token of either kind is token_expired.
import { createLocalJWKSet, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import { AppError } from '../shared/errors.js';
import type { ProviderHolder } from './provider-holder.js';

const invalid = (message: string, code = 'invalid_token') => new AppError(code, 401, message);

export function createTokenVerifier(opts: { issuer: string; brokerAudience: string; holder: Pick<ProviderHolder, 'keys'>; now: () => number }) {
  let cached: { fingerprint: string; jwks: ReturnType<typeof createLocalJWKSet> } | undefined;
  const jwks = () => {
    const keys = opts.holder.keys();
    if (cached?.fingerprint !== keys.fingerprint) {
      cached = { fingerprint: keys.fingerprint, jwks: createLocalJWKSet({ keys: keys.publicJwks as never }) };
    }
    return cached.jwks;
  };

  async function verify(token: string, audience: string | undefined, what: string, code: string): Promise<JWTPayload> {
    if (typeof token !== 'string' || token.split('.').length !== 3) throw invalid(`${what} is not a JWT issued by this provider`, code);
    try {
      const { payload } = await jwtVerify(token, jwks(), {
        issuer: opts.issuer, audience, algorithms: ['RS256'], currentDate: new Date(opts.now()), clockTolerance: 5,
      });
      return payload;
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw invalid(`${what} has expired; get a new one`, code === 'invalid_user_token' ? 'user_token_expired' : 'token_expired');
      if (err instanceof joseErrors.JWTClaimValidationFailed) throw invalid(`${what} was not issued for this use (${err.claim} check failed)`, code);
      throw invalid(`${what} could not be verified (bad signature, unknown key or not from ${opts.issuer})`, code);
    }
  }

  return {
    async verifyServiceToken(token: string): Promise<{ clientId: string; scopes: string[] }> {
      const p = await verify(token, opts.brokerAudience, 'The access token', 'invalid_token');
      if (typeof p.client_id !== 'string') throw invalid('The access token has no client_id');
      if (p.sub && p.sub !== p.client_id) throw invalid('The access token belongs to a user; use a client-credentials token');
      return { clientId: p.client_id, scopes: typeof p.scope === 'string' ? p.scope.split(' ') : [] };
    },
    async verifyUserToken(token: string): Promise<{ sub: string; tenantId?: string; clientId?: string }> {
      const p = await verify(token, undefined, 'The user token', 'invalid_user_token');
      if (!p.sub || (typeof p.client_id === 'string' && p.sub === p.client_id)) throw invalid('The user token does not identify a user', 'invalid_user_token');
      const clientId = typeof p.client_id === 'string' ? p.client_id : typeof p.aud === 'string' ? p.aud : undefined;
      return { sub: p.sub, tenantId: typeof p.tenant_id === 'string' ? p.tenant_id : undefined, clientId };
    },
  };
}

export type TokenVerifier = ReturnType<typeof createTokenVerifier>;
