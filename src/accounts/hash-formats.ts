// Password hashes made elsewhere, accepted by `users import` so users keep their passwords
// without anyone handling plaintext. Each is verified with node crypto, argon2 or bcryptjs
// and replaced by our argon2id at the user's next successful login (see password.ts).
//
// Accepted encodings:
//   bcrypt          $2a$ / $2b$ / $2y$ modular crypt (also Django's "bcrypt$" prefix)
//   argon2          $argon2id$ / $argon2i$ / $argon2d$ PHC strings (also Django's "argon2$" prefix)
//   scrypt          $scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>        (PHC / passlib)
//   PBKDF2-SHA256   $pbkdf2-sha256$i=<rounds>[,l=<len>]$<salt>$<hash>  (PHC)
//                   $pbkdf2-sha256$<rounds>$<salt>$<hash>              (passlib)
//                   pbkdf2_sha256$<rounds>$<salt>$<base64 hash>         (Django; salt used as text)
// Base64 fields may use the standard or the passlib alphabet ('.' for '+'), padding optional.
//
// Cost parameters are capped: a hostile or mistaken import must not make one login cost
// minutes of CPU or gigabytes of memory.
import { pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import argon2 from 'argon2';
import bcrypt from 'bcryptjs';

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify(scrypt) as (pw: string, salt: Buffer, len: number, opts: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;

export const LIMITS = {
  bcryptCost: 14,
  argon2MemoryKib: 262_144,
  argon2TimeCost: 20,
  scryptLogN: 20,
  scryptMemoryBytes: 256 * 1024 * 1024,
  pbkdf2Rounds: 5_000_000,
};

export type ParsedHash =
  | { scheme: 'argon2'; stored: string; variant: 'argon2id' | 'argon2i' | 'argon2d' }
  | { scheme: 'bcrypt'; stored: string }
  | { scheme: 'scrypt'; stored: string; N: number; r: number; p: number; salt: Buffer; hash: Buffer }
  | { scheme: 'pbkdf2-sha256'; stored: string; rounds: number; salt: Buffer; hash: Buffer };

export const SUPPORTED_FORMATS =
  'bcrypt ($2a$/$2b$/$2y$), argon2id/argon2i PHC ($argon2id$...), scrypt PHC ($scrypt$ln=..,r=..,p=..$salt$hash), PBKDF2-SHA256 ($pbkdf2-sha256$... or Django pbkdf2_sha256$rounds$salt$hash)';

const B64 = /^[A-Za-z0-9+/.]+={0,2}$/;
const b64 = (s: string): Buffer | null => (B64.test(s) ? Buffer.from(s.replace(/\./g, '+'), 'base64') : null);

type Result = ParsedHash | { error: string };
const fail = (error: string): Result => ({ error });

function parseBcrypt(s: string, limits: boolean): Result {
  const m = /^\$2([aby])\$(\d\d)\$[./A-Za-z0-9]{53}$/.exec(s);
  if (!m) return fail('is not a valid bcrypt hash ($2b$<cost>$ followed by 53 characters)');
  const cost = Number(m[2]);
  if (cost < 4 || cost > 31 || (limits && cost > LIMITS.bcryptCost)) return fail(`has bcrypt cost ${cost}; accepted are 4 to ${LIMITS.bcryptCost}`);
  return { scheme: 'bcrypt', stored: s };
}

function parseArgon2(s: string, limits: boolean): Result {
  // Implementations order the m, t, p parameters differently; the argon2 library reads any order.
  const m = /^\$(argon2(?:id|i|d))\$(?:v=\d+\$)?([a-z]=\d+(?:,[a-z]=\d+)*)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(s);
  const params = new Map((m?.[2] ?? '').split(',').map((kv) => [kv[0], Number(kv.slice(2))] as const));
  const [memory, time, lanes] = [params.get('m'), params.get('t'), params.get('p')];
  if (!m || memory === undefined || time === undefined || lanes === undefined) {
    return fail('is not a valid argon2 PHC string ($argon2id$v=19$m=..,t=..,p=..$salt$hash)');
  }
  if (limits && (memory > LIMITS.argon2MemoryKib || time > LIMITS.argon2TimeCost || lanes < 1 || lanes > 64)) {
    return fail(`has argon2 parameters beyond the accepted limits (m ≤ ${LIMITS.argon2MemoryKib}, t ≤ ${LIMITS.argon2TimeCost}, p ≤ 64)`);
  }
  return { scheme: 'argon2', stored: s, variant: m[1] as 'argon2id' | 'argon2i' | 'argon2d' };
}

function parseScrypt(s: string, limits: boolean): Result {
  const m = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([^$]+)\$([^$]+)$/.exec(s);
  if (!m) return fail('is not a valid scrypt PHC string ($scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>)');
  const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [salt, hash] = [b64(m[4]!), b64(m[5]!)];
  if (!salt || !hash || hash.length < 16) return fail('has a scrypt salt or hash that is not base64 (hash of at least 16 bytes)');
  if (ln < 1 || r < 1 || p < 1 || (limits && (ln > LIMITS.scryptLogN || p > 16 || 128 * r * 2 ** ln > LIMITS.scryptMemoryBytes))) {
    return fail(`has scrypt parameters beyond the accepted limits (ln ≤ ${LIMITS.scryptLogN}, 128·r·2^ln ≤ 256 MiB, p ≤ 16)`);
  }
  return { scheme: 'scrypt', stored: s, N: 2 ** ln, r, p, salt, hash };
}

function pbkdf2Result(stored: string, rounds: number, salt: Buffer | null, hash: Buffer | null, limits: boolean): Result {
  if (!salt || !hash || hash.length < 16 || hash.length > 64) return fail('has a PBKDF2 salt or hash that is not valid (base64 hash of 16 to 64 bytes)');
  if (!Number.isSafeInteger(rounds) || rounds < 1 || (limits && rounds > LIMITS.pbkdf2Rounds))
    return fail(`has ${rounds} PBKDF2 rounds; accepted are 1 to ${LIMITS.pbkdf2Rounds}`);
  return { scheme: 'pbkdf2-sha256', stored, rounds, salt, hash };
}

function parsePbkdf2Phc(s: string, limits: boolean): Result {
  const m = /^\$pbkdf2-sha256\$(?:i=(\d+)(?:,l=(\d+))?|(\d+))\$([^$]+)\$([^$]+)$/.exec(s);
  if (!m) return fail('is not a valid PBKDF2-SHA256 string ($pbkdf2-sha256$i=<rounds>$<salt>$<hash>)');
  const hash = b64(m[5]!);
  if (m[2] && hash && Number(m[2]) !== hash.length) return fail('has a PBKDF2 l= length that does not match its hash');
  return pbkdf2Result(s, Number(m[1] ?? m[3]), b64(m[4]!), hash, limits);
}

function parseDjangoPbkdf2(s: string, limits: boolean): Result {
  const m = /^pbkdf2_sha256\$(\d+)\$([^$]+)\$([A-Za-z0-9+/]+={0,2})$/.exec(s);
  if (!m) return fail('is not a valid Django hash (pbkdf2_sha256$<rounds>$<salt>$<base64 hash>)');
  // Django uses the salt as text, not decoded.
  return pbkdf2Result(s, Number(m[1]), Buffer.from(m[2]!, 'utf8'), b64(m[3]!), limits);
}

/**
 * Recognises a stored or imported hash; `error` completes "password_hash ..." for the operator.
 * `limits` (imports) refuses costs beyond LIMITS; stored hashes were checked when they came in
 * or are our own argon2id, whose settings may legitimately exceed them.
 */
export function parseHash(input: string, limits = true): Result {
  const s = input.trim();
  if (s.startsWith('$2')) return parseBcrypt(s, limits);
  if (s.startsWith('bcrypt$$2')) return parseBcrypt(s.slice('bcrypt$'.length), limits);
  if (s.startsWith('$argon2')) return parseArgon2(s, limits);
  if (s.startsWith('argon2$argon2')) return parseArgon2(s.slice('argon2'.length), limits);
  if (s.startsWith('$scrypt$')) return parseScrypt(s, limits);
  if (s.startsWith('$pbkdf2-sha256$')) return parsePbkdf2Phc(s, limits);
  if (s.startsWith('pbkdf2_sha256$')) return parseDjangoPbkdf2(s, limits);
  return fail(`is not in a supported format; supported are ${SUPPORTED_FORMATS}`);
}

const sameBytes = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

/** True when `password` matches; never throws for a wrong password. */
export async function verifyParsed(h: ParsedHash, password: string): Promise<boolean> {
  switch (h.scheme) {
    case 'argon2':
      return argon2.verify(h.stored, password);
    case 'bcrypt':
      return bcrypt.compare(password, h.stored);
    case 'scrypt':
      return sameBytes(await scryptAsync(password, h.salt, h.hash.length, { N: h.N, r: h.r, p: h.p, maxmem: 128 * h.r * h.N * 2 + 1024 * 1024 }), h.hash);
    case 'pbkdf2-sha256':
      return sameBytes(await pbkdf2Async(password, h.salt, h.rounds, h.hash.length, 'sha256'), h.hash);
  }
}
