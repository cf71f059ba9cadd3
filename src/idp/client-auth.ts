// Client authentication at the token, introspection and revocation endpoints.
//
// Client secrets are stored only as SHA-256 hashes (clients.ts); the provider is handed
// that hash as the client's `client_secret`. The provider's own check compares what a
// client presents with that value byte for byte, which would make the stored hash itself
// a working secret (a database backup would yield every client's credentials). So each
// provider instance's Client class compares by hashing the presented secret first, in
// constant time, for both methods that carry a secret (client_secret_basic and _post).
//
// Methods that would use the stored value as a key are switched off: client_secret_jwt
// (HMAC keyed by the secret) and every HS* signing algorithm; private_key_jwt needs a
// registered JWKS, which no client kind has. What remains is advertised in discovery.
import { timingSafeEqual } from 'node:crypto';
import type Provider from 'oidc-provider';
import { hashSecret } from './clients.js';

/** Confidential kinds (web, service) use a secret by either method; public kinds use none. */
export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;

function equalHash(presentedHash: string, storedHash: string): boolean {
  const a = Buffer.from(presentedHash);
  const b = Buffer.from(storedHash);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * `stored` is the provider's client_secret (clients.ts encodeSecretHashes): the current hash,
 * optionally followed by the previous one and its expiry while a rotation's overlap lasts.
 */
export function secretMatchesHash(presented: unknown, stored: unknown, now = Date.now()): boolean {
  if (typeof presented !== 'string' || typeof stored !== 'string' || !presented || !stored) return false;
  const hash = hashSecret(presented);
  const [current, previous] = stored.split(' ');
  // Both comparisons always run, so timing does not tell which secret matched.
  const okCurrent = equalHash(hash, current!);
  let okPrevious = false;
  if (previous) {
    const at = previous.lastIndexOf('@');
    const live = Number(previous.slice(at + 1)) > now;
    okPrevious = equalHash(hash, previous.slice(0, at)) && live;
  }
  return okCurrent || okPrevious;
}

/** Installs the hashed comparison on this provider's Client class. */
export function useHashedClientSecrets(provider: Provider): void {
  const proto = provider.Client.prototype as unknown as { compareClientSecret(actual: string): Promise<boolean> | boolean; clientSecret?: string };
  proto.compareClientSecret = function compareClientSecret(this: { clientSecret?: string }, actual: string) {
    return secretMatchesHash(actual, this.clientSecret);
  };
}
