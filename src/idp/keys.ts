// Signing keys (RS256) and cookie keys in Postgres, private parts encrypted at rest.
// Rotation without downtime: a new key is published at once but signs only from
// `activatesAt` (after KEY_ACTIVATION_DELAY, so relying parties' JWKS caches and the
// other instances have seen it); the key it replaces stays published until every
// token it signed has expired.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import { signingKeyQueries, type SigningKeyRow } from '../db/signing-keys.js';
import type { Envelope } from './envelope.js';

export type KeyUse = 'sig' | 'cookie';
export type KeyState = 'pending' | 'active' | 'retired';

export interface KeySummary {
  kid: string;
  use: KeyUse;
  alg: string | null;
  state: KeyState;
  createdAt: Date;
  activatesAt: Date;
  retiredAt: Date | null;
  expiresAt: Date | null;
}

export interface KeySnapshot {
  /** Private JWKs for the provider: the signing key first, then retired keys (verify only). */
  providerJwks: Record<string, unknown>[];
  /** Public JWKs to publish: pending, active and retired-but-unexpired signing keys. */
  publicJwks: Record<string, unknown>[];
  signingKey: { kid: string; privateJwk: Record<string, unknown> };
  /** Cookie keys, the signing one first (keygrip signs with the first, verifies with all). */
  cookieKeys: string[];
  /** Changes whenever any of the above changes; instances rebuild the provider on change. */
  fingerprint: string;
}

export interface KeyServiceOptions {
  database: Database;
  envelope: Envelope;
  now: () => number;
  activationDelaySeconds: number;
  /** Longest lifetime of anything a key signs (tokens, cookies). */
  maxTokenTtlSeconds: number;
}

/** Advisory lock serialising first-key creation across instances (arbitrary, constant across versions). */
const FIRST_KEYS_LOCK_ID = 72707370;

type Row = SigningKeyRow;

function stateOf(row: Row, now: number, current: Row | undefined): KeyState {
  if (row.kid === current?.kid) return 'active';
  return row.activatesAt.getTime() > now ? 'pending' : 'retired';
}

export function createKeyService(opts: KeyServiceOptions) {
  const { database, envelope, now } = opts;
  const keys = signingKeyQueries(database);

  const live = (use: KeyUse) => keys.live(use, new Date(now()));

  const currentOf = (rows: Row[]) => rows.find((r) => r.activatesAt.getTime() <= now());

  /** A new key's row. Built outside any transaction: RSA key generation is slow. */
  function newKey(use: KeyUse, activatesAt: Date) {
    const kid = use === 'sig' ? randomUUID() : `cookie-${randomUUID()}`;
    let secret: string;
    let publicJwk: Record<string, unknown> | undefined;
    if (use === 'sig') {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      secret = JSON.stringify(privateKey.export({ format: 'jwk' }));
      publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
    } else {
      secret = randomBytes(32).toString('base64url');
    }
    return { kid, use, alg: use === 'sig' ? 'RS256' : null, publicJwk, privateEnc: envelope.seal(secret, kid), activatesAt };
  }

  /**
   * Creates the first keys of each kind, active at once (nothing can have cached them yet).
   * Instances starting together on an empty database must end with one set: the check is
   * repeated under a transaction-scoped advisory lock, so the first creates and the others
   * find its keys.
   */
  async function ensureKeys(): Promise<void> {
    for (const use of ['sig', 'cookie'] as const) {
      if (currentOf(await live(use))) continue;
      const data = newKey(use, new Date(now())); // generated before the lock: RSA generation is slow
      await database.transaction().execute(async (trx) => {
        // Held until this transaction ends: the check and the insert below run on its connection.
        await sql`SELECT pg_advisory_xact_lock(${FIRST_KEYS_LOCK_ID}::bigint)`.execute(trx);
        const tx = signingKeyQueries(trx);
        if (!currentOf(await tx.live(use, new Date(now())))) await tx.insert(data);
      });
    }
  }

  async function rotate(use: KeyUse): Promise<KeySummary> {
    const rows = await live(use);
    const activatesAt = new Date(now() + opts.activationDelaySeconds * 1000);
    const data = newKey(use, activatesAt);
    const row = await database.transaction().execute(async (trx) => {
      const tx = signingKeyQueries(trx);
      // The key that signs until the new one activates retires then, and expires after
      // the longest-lived token it could have signed.
      const previous = rows.filter((r) => r.retiredAt === null);
      for (const p of previous) {
        await tx.retire(p.kid, activatesAt, new Date(activatesAt.getTime() + opts.maxTokenTtlSeconds * 1000));
      }
      // Through tx: retiring the old key and adding the new one commit together.
      return tx.insert(data);
    });
    return summarize(row, await live(use));
  }

  function summarize(row: Row, rows: Row[]): KeySummary {
    return {
      kid: row.kid,
      use: row.use as KeyUse,
      alg: row.alg,
      state: stateOf(row, now(), currentOf(rows)),
      createdAt: row.createdAt,
      activatesAt: row.activatesAt,
      retiredAt: row.retiredAt,
      expiresAt: row.expiresAt,
    };
  }

  async function list(): Promise<KeySummary[]> {
    const out: KeySummary[] = [];
    for (const use of ['sig', 'cookie'] as const) {
      const rows = await live(use);
      out.push(...rows.map((r) => summarize(r, rows)));
    }
    return out;
  }

  async function snapshot(): Promise<KeySnapshot> {
    const [sig, cookie] = [await live('sig'), await live('cookie')];
    const signing = currentOf(sig);
    const cookieCurrent = currentOf(cookie);
    if (!signing || !cookieCurrent) throw new Error('no active signing key: run migrations and start the server once');
    const privateOf = (r: Row) => ({ ...JSON.parse(envelope.open(r.privateEnc, r.kid)), kid: r.kid, alg: 'RS256', use: 'sig' });
    // Pending keys verify too: another instance may already sign with a key this one
    // still thinks is pending, for up to KEY_REFRESH_INTERVAL.
    const providerJwks = [signing, ...sig.filter((r) => r !== signing)].map((r, i) => ({
      ...privateOf(r),
      // Only the signing key may sign; jose turns key_ops into WebCrypto usages, so the
      // signing key carries none (a private key cannot have usage 'verify').
      ...(i === 0 ? {} : { key_ops: ['verify'] }),
    }));
    const cookies = [cookieCurrent, ...cookie.filter((r) => r !== cookieCurrent)];
    return {
      providerJwks,
      publicJwks: sig.map((r) => r.publicJwk as Record<string, unknown>),
      signingKey: { kid: signing.kid, privateJwk: providerJwks[0]! },
      cookieKeys: cookies.map((r) => envelope.open(r.privateEnc, r.kid)),
      fingerprint: [...sig.map((r) => `${r.kid}:${r === signing}`), ...cookie.map((r) => `${r.kid}:${r === cookieCurrent}`)].join(','),
    };
  }

  return { ensureKeys, rotate, list, snapshot };
}

export type KeyService = ReturnType<typeof createKeyService>;
