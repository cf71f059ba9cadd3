// Mints the ID token the broker sends to Identity Center as the CreateTokenWithIAM
// assertion: signed by the provider's current key, `iss` = our issuer, `aud` = the data
// accessor client ID registered with AWS, a fresh `jti` (Identity Center refuses reuse),
// a short lifetime, and the `email` claim the customer maps to their directory.
import { SignJWT, importJWK } from 'jose';
import { randomUUID } from 'node:crypto';
import type { ProviderHolder } from './provider-holder.js';

type SigningKey = Awaited<ReturnType<typeof importJWK>>;

export interface AssertionClaims {
  sub: string;
  email: string;
  email_verified: boolean;
  name?: string | null;
  tenant_id: string;
  groups: string[];
}

export function createAssertionMinter(opts: { issuer: string; holder: Pick<ProviderHolder, 'keys'>; now: () => number }) {
  const imported = new Map<string, SigningKey>();
  async function keyFor(kid: string, jwk: Record<string, unknown>): Promise<SigningKey> {
    let key = imported.get(kid);
    if (!key) {
      // The snapshot's signing JWK already says alg RS256 and carries no key_ops (keys.ts).
      key = await importJWK(jwk, 'RS256');
      imported.set(kid, key);
    }
    return key;
  }
  return {
    async mint(claims: AssertionClaims, audience: string, ttlSeconds: number): Promise<string> {
      const { kid, privateJwk } = opts.holder.keys().signingKey;
      const iat = Math.floor(opts.now() / 1000);
      const { sub, ...rest } = claims;
      const payload = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== null && v !== undefined));
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(opts.issuer)
        .setSubject(sub)
        .setAudience(audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttlSeconds)
        .setJti(randomUUID())
        .sign(await keyFor(kid, privateJwk));
    },
  };
}

export type AssertionMinter = ReturnType<typeof createAssertionMinter>;
