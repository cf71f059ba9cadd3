// Envelope encryption for secrets at rest (signing and cookie keys): AES-256-GCM under a
// key-encryption key derived from SECRET_KEY with HKDF, so the setting can be any long
// random string and the stored ciphertext says which format produced it.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export interface Envelope {
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
}

export function createEnvelope(secretKey: string): Envelope {
  const kek = Buffer.from(hkdfSync('sha256', secretKey, 'tti-bridge', 'key-encryption-key v1', 32));
  return {
    // `context` (e.g. the key id) is authenticated as AAD: a ciphertext moved to another row fails to open.
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', kek, iv).setAAD(Buffer.from(context));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
    },
    open(sealed, context) {
      const [version, iv, tag, ct] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || ct === undefined) throw new Error('unknown key envelope format');
      const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(iv, 'base64url')).setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      try {
        return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new Error(`cannot decrypt key ${context}: SECRET_KEY differs from the one that encrypted it`);
      }
    },
  };
}
