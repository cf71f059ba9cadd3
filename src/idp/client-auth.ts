// Client secrets are stored as SHA-256 hashes and the provider is given the hash as the
// client's "secret". This middleware, in front of the provider, replaces the secret a
// client presents with its hash, so the provider's constant-time comparison compares
// hashes and a database leak reveals no usable secret. Confidential clients use
// client_secret_basic (RFC 6749 §2.3.1: id and secret form-urlencoded, then base64).
import type { Middleware } from 'koa';
import { hashSecret } from './clients.js';

const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));

export function hashPresentedClientSecret(): Middleware {
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    if (/^basic /i.test(header)) {
      const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      if (sep > 0) {
        try {
          const id = formDecode(decoded.slice(0, sep));
          const secret = formDecode(decoded.slice(sep + 1));
          const rewritten = `${encodeURIComponent(id)}:${encodeURIComponent(hashSecret(secret))}`;
          ctx.req.headers.authorization = `Basic ${Buffer.from(rewritten).toString('base64')}`;
        } catch {
          // Malformed encoding: leave it; the provider answers invalid_client.
        }
      }
    }
    await next();
  };
}
