// Queries for OAuth clients (table oidc_clients of prisma/schema.prisma): the client service
// (src/idp/clients.ts) and the broker's directory (src/broker/storage/directory.ts) both read
// through them. The row carries the secret hashes: callers never return or log it as is.
import type { Selectable } from 'kysely';
import type { Database } from './database.js';
import type { OidcClient as ClientTable } from './generated/kysely.js';

/** A client row as the application sees it (camelCase). */
export interface ClientRow {
  clientId: string;
  name: string;
  /** node-oidc-provider's client metadata plus our `kind`, without client_secret. */
  metadata: unknown;
  secretHash: string | null;
  firstParty: boolean;
  isDataAccessor: boolean;
  allowedTenants: string[];
  previousSecretHash: string | null;
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
}

// allowed_tenants is a nullable TEXT[] (Prisma lists are): NULL reads as [], as Prisma returned it.
export const toClientRow = (r: Selectable<ClientTable>): ClientRow => ({
  clientId: r.client_id,
  name: r.name,
  metadata: r.metadata,
  secretHash: r.secret_hash,
  firstParty: r.first_party,
  isDataAccessor: r.is_data_accessor,
  allowedTenants: r.allowed_tenants ?? [],
  previousSecretHash: r.previous_secret_hash,
  previousSecretExpiresAt: r.previous_secret_expires_at,
  createdAt: r.created_at,
});

/** Every column but created_at (set here on insert, in UTC as Prisma did, never changed). */
export type ClientWrite = Omit<ClientRow, 'clientId' | 'createdAt'>;

// jsonb: node-pg would send a JS array as a Postgres array, so metadata goes as JSON text.
// created_at is sent too, never left to the column's CURRENT_TIMESTAMP default: that is the
// session's wall time, hours off UTC on a server whose time zone is not UTC.
const columnsOf = (c: ClientWrite) => ({
  name: c.name,
  metadata: JSON.stringify(c.metadata),
  secret_hash: c.secretHash,
  first_party: c.firstParty,
  is_data_accessor: c.isDataAccessor,
  allowed_tenants: c.allowedTenants,
  previous_secret_hash: c.previousSecretHash,
  previous_secret_expires_at: c.previousSecretExpiresAt,
});

export function oidcClientQueries(db: Database) {
  return {
    get: async (clientId: string): Promise<ClientRow | null> => {
      const row = await db.selectFrom('oidc_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
      return row ? toClientRow(row) : null;
    },
    /** Oldest first. */
    list: async (): Promise<ClientRow[]> => (await db.selectFrom('oidc_clients').selectAll().orderBy('created_at').execute()).map(toClientRow),
    /** Throws a unique violation (isUniqueViolation) when the id is taken. */
    insert: async (clientId: string, c: ClientWrite): Promise<void> => {
      await db
        .insertInto('oidc_clients')
        .values({ client_id: clientId, ...columnsOf(c), created_at: new Date() })
        .execute();
    },
    /** Creates the client or replaces every column but its creation time. */
    upsert: async (clientId: string, c: ClientWrite): Promise<void> => {
      const columns = columnsOf(c);
      await db
        .insertInto('oidc_clients')
        .values({ client_id: clientId, ...columns, created_at: new Date() })
        .onConflict((oc) => oc.column('client_id').doUpdateSet(columns))
        .execute();
    },
    /** The client as updated; null when there is none with this id. */
    update: async (clientId: string, patch: { metadata: unknown; name?: string; allowedTenants?: string[] }): Promise<ClientRow | null> => {
      const row = await db
        .updateTable('oidc_clients')
        .set({ metadata: JSON.stringify(patch.metadata), name: patch.name, allowed_tenants: patch.allowedTenants })
        .where('client_id', '=', clientId)
        .returningAll()
        .executeTakeFirst();
      return row ? toClientRow(row) : null;
    },
    /** Replaces the secret hashes only while the current hash is still `expectedHash`; false otherwise. */
    replaceSecret: async (
      clientId: string,
      expectedHash: string,
      s: { secretHash: string; previousSecretHash: string | null; previousSecretExpiresAt: Date | null },
    ): Promise<boolean> => {
      const r = await db
        .updateTable('oidc_clients')
        .set({ secret_hash: s.secretHash, previous_secret_hash: s.previousSecretHash, previous_secret_expires_at: s.previousSecretExpiresAt })
        .where('client_id', '=', clientId)
        .where('secret_hash', '=', expectedHash)
        .executeTakeFirst();
      return r.numUpdatedRows > 0n;
    },
    /** False when there was no such client. */
    remove: async (clientId: string): Promise<boolean> =>
      (await db.deleteFrom('oidc_clients').where('client_id', '=', clientId).executeTakeFirst()).numDeletedRows > 0n,
    /** The tenants a (service) client may act for; null when there is no such client. */
    allowedTenants: async (clientId: string): Promise<string[] | null> =>
      (await db.selectFrom('oidc_clients').select('allowed_tenants').where('client_id', '=', clientId).executeTakeFirst())?.allowed_tenants ?? null,
    /** The id of the data-accessor client (there is at most one); null when there is none. */
    dataAccessorId: async (): Promise<string | null> =>
      (await db.selectFrom('oidc_clients').select('client_id').where('is_data_accessor', '=', true).limit(1).executeTakeFirst())?.client_id ?? null,
  };
}
