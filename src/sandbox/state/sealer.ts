// Tamper-evident opaque tokens (session tokens, identity-context assertions, page tokens).
// AES-256-GCM under a per-sandbox random key; the purpose is bound as associated data so a
// token minted for one use can never be replayed as another.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface Sealer {
  seal(purpose: string, payload: unknown, prefix?: string): string;
  open<T>(purpose: string, token: string, prefix?: string): T | undefined;
}

export function createSealer(key: Buffer = randomBytes(32)): Sealer {
  return {
    seal(purpose, payload, prefix = '') {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(purpose));
      const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
      return prefix + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    open<T>(purpose: string, token: string, prefix = ''): T | undefined {
      if (!token.startsWith(prefix)) return undefined;
      const raw = Buffer.from(token.slice(prefix.length), 'base64');
      if (raw.length < 29) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAAD(Buffer.from(purpose));
        decipher.setAuthTag(raw.subarray(12, 28));
        const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
        return JSON.parse(text) as T;
      } catch {
        return undefined;
      }
    },
  };
}
