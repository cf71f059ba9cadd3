// Single-use `jti`: Identity Center refuses a second exchange of the same token. Entries are
// kept until the token's own expiry, after which the token is refused for being expired anyway.
export interface JtiCache {
  /** Records the jti; false when it was already used. */
  consume(issuer: string, jti: string, expSeconds: number): boolean;
}

export function createJtiCache(now: () => number): JtiCache {
  const seen = new Map<string, number>();
  let inserts = 0;
  return {
    consume(issuer, jti, expSeconds) {
      const key = `${issuer}\n${jti}`;
      const t = now();
      const until = seen.get(key);
      if (until !== undefined && until > t) return false;
      if (++inserts % 1000 === 0) for (const [k, u] of seen) if (u <= t) seen.delete(k);
      seen.set(key, Math.max(expSeconds * 1000, t + 60_000));
      return true;
    },
  };
}
