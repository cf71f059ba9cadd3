// argon2id password hashing. Parameters travel inside each PHC string
// ($argon2id$v=19$m=..,t=..,p=..$salt$hash), so a hash made under older settings still
// verifies and is reported as needing a rehash, which the login path then performs.
// Hashes imported from other systems (bcrypt, scrypt, PBKDF2, argon2i; hash-formats.ts)
// verify the same way and always need a rehash.
import { randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import { createLimiter } from './limiter.js';
import { parseHash, verifyParsed } from './hash-formats.js';

export interface PasswordHasherOptions {
  memoryKib: number;
  timeCost: number;
  parallelism: number;
  /** Hashes computed at once; further calls queue (bounds memory: memoryKib × this). */
  maxConcurrency: number;
}

/** Queued hashes beyond which new calls fail with `server_busy`. */
const MAX_QUEUE = 1000;

export interface VerifyResult {
  ok: boolean;
  needsRehash: boolean;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<VerifyResult>;
  /** Same cost as verify() against a real hash; always fails. For unknown users. */
  verifyDecoy(password: string): Promise<VerifyResult>;
}

/** Maps the ARGON2_* settings onto hasher options. */
export function hasherOptionsFromConfig(config: {
  ARGON2_MEMORY_KIB: number;
  ARGON2_TIME_COST: number;
  ARGON2_PARALLELISM: number;
  ARGON2_MAX_CONCURRENCY: number;
}): PasswordHasherOptions {
  return {
    memoryKib: config.ARGON2_MEMORY_KIB,
    timeCost: config.ARGON2_TIME_COST,
    parallelism: config.ARGON2_PARALLELISM,
    maxConcurrency: config.ARGON2_MAX_CONCURRENCY,
  };
}

function checkOptions(o: PasswordHasherOptions): void {
  // The settings schema enforces OWASP minimums; here only argon2's own limits apply,
  // so tests can use cheap parameters.
  if (!Number.isInteger(o.parallelism) || o.parallelism < 1) throw new RangeError('parallelism must be >= 1');
  if (!Number.isInteger(o.timeCost) || o.timeCost < 1) throw new RangeError('timeCost must be >= 1');
  if (!Number.isInteger(o.memoryKib) || o.memoryKib < 8 * o.parallelism) {
    throw new RangeError('memoryKib must be >= 8 × parallelism');
  }
}

export function createPasswordHasher(opts: PasswordHasherOptions): PasswordHasher {
  checkOptions(opts);
  const params = { memoryCost: opts.memoryKib, timeCost: opts.timeCost, parallelism: opts.parallelism };
  const limiter = createLimiter(opts.maxConcurrency, MAX_QUEUE);
  const hash = (password: string) => limiter.run(() => argon2.hash(password, { ...params, type: argon2.argon2id }));

  const stale = (stored: string): boolean => !stored.startsWith('$argon2id$') || argon2.needsRehash(stored, params);

  const verify = async (stored: string, password: string): Promise<VerifyResult> => {
    const parsed = parseHash(stored, false);
    if ('error' in parsed) return { ok: false, needsRehash: false };
    try {
      const ok = await limiter.run(() => verifyParsed(parsed, password));
      return { ok, needsRehash: ok && stale(parsed.stored) };
    } catch {
      // A malformed stored hash is a failed login, not a server error.
      return { ok: false, needsRehash: false };
    }
  };

  // Computed on first use (and reused) so construction stays synchronous.
  let decoy: Promise<string> | undefined;
  const decoyHash = (): Promise<string> => {
    decoy ??= hash(randomUUID()).catch((err: unknown) => {
      decoy = undefined;
      throw err;
    });
    return decoy;
  };

  return {
    hash,
    verify,
    async verifyDecoy(password) {
      await verify(await decoyHash(), password);
      return { ok: false, needsRehash: false };
    },
  };
}
