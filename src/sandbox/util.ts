// Identifier and encoding helpers shared by the sandbox services.
import { createHash, randomBytes, randomUUID } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomUpper(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += BASE32[b % 32];
  return out;
}

/** Temporary access keys start with ASIA, as AWS's do (long-term ones with AKIA). */
export const newTempAccessKeyId = (): string => `ASIA${randomUpper(16)}`;
export const newSecretAccessKey = (): string => randomBytes(30).toString('base64');
export const newUuid = (): string => randomUUID();

/** A UUID-shaped id derived from a seed, so fixture users keep their id across restarts. */
export function stableUuid(seed: string): string {
  const h = sha256Hex(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** `arn:aws:iam::123456789012:role/Name` → `123456789012`. */
export const accountOf = (arn: string): string => arn.split(':')[4] ?? '';

/** The last path segment of an ARN resource (`role/path/Name` → `Name`). */
export const resourceName = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

export const epochSeconds = (ms: number): number => Math.floor(ms / 1000);

/** ISO 8601 to the second, as AWS writes timestamps: `2024-01-02T03:04:05Z`. */
export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
