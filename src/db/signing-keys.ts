// Queries for signing and cookie keys (table signing_keys of prisma/schema.prisma), read and
// written by the key service (src/idp/keys.ts). private_enc is sealed (src/idp/envelope.ts);
// callers never return or log it.
import type { Selectable } from 'kysely';
import type { Database } from './database.js';
import type { SigningKey as SigningKeyTable } from './generated/kysely.js';

/** A key row as the application sees it (camelCase). */
export interface SigningKeyRow {
  kid: string;
  use: string;
  alg: string | null;
  /** The public JWK of a signing key; null for cookie keys. */
  publicJwk: unknown;
  privateEnc: string;
  createdAt: Date;
  activatesAt: Date;
  retiredAt: Date | null;
  expiresAt: Date | null;
}

export type NewSigningKey = Pick<SigningKeyRow, 'kid' | 'use' | 'alg' | 'privateEnc' | 'activatesAt'> & { publicJwk?: object };

export const toSigningKeyRow = (r: Selectable<SigningKeyTable>): SigningKeyRow => ({
  kid: r.kid,
  use: r.use,
  alg: r.alg,
  publicJwk: r.public_jwk,
  privateEnc: r.private_enc,
  createdAt: r.created_at,
  activatesAt: r.activates_at,
  retiredAt: r.retired_at,
  expiresAt: r.expires_at,
});

/** `db` may be a transaction. */
export function signingKeyQueries(db: Database) {
  return {
    /** The keys of one use not expired at `at`, the latest to activate first. */
    live: async (use: string, at: Date): Promise<SigningKeyRow[]> =>
      (
        await db
          .selectFrom('signing_keys')
          .selectAll()
          .where('use', '=', use)
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]))
          .orderBy('activates_at', 'desc')
          .execute()
      ).map(toSigningKeyRow),
    insert: async (k: NewSigningKey): Promise<SigningKeyRow> =>
      toSigningKeyRow(
        await db
          .insertInto('signing_keys')
          .values({
            kid: k.kid,
            use: k.use,
            alg: k.alg,
            private_enc: k.privateEnc,
            activates_at: k.activatesAt,
            // In UTC, as Prisma set it: the column's CURRENT_TIMESTAMP default is the session's wall
            // time, hours off UTC on a server whose time zone is not UTC.
            created_at: new Date(),
            // jsonb: sent as JSON text, like every jsonb write here.
            public_jwk: k.publicJwk === undefined ? null : JSON.stringify(k.publicJwk),
          })
          .returningAll()
          .executeTakeFirstOrThrow(),
      ),
    /** Sets when a key stops signing and stops being published; throws when there is no such key. */
    retire: async (kid: string, retiredAt: Date, expiresAt: Date): Promise<void> => {
      await db
        .updateTable('signing_keys')
        .set({ retired_at: retiredAt, expires_at: expiresAt })
        .where('kid', '=', kid)
        .returning('kid')
        .executeTakeFirstOrThrow();
    },
  };
}
