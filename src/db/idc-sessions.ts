// idc_sessions: the Identity Center refresh token of each connected (tenant, user) of an
// authorization-code tenant. Callers pass and get the token already encrypted.
import type { Database } from './database.js';

export interface StoredIdcSession {
  refreshTokenEnc: string;
  connectedAt: Date;
  refreshedAt: Date;
}

export function createIdcSessionTable(db: Database) {
  return {
    async get(tenantId: string, userId: string): Promise<StoredIdcSession | null> {
      const row = await db
        .selectFrom('idc_sessions')
        .select(['refresh_token_enc', 'connected_at', 'refreshed_at'])
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return row ? { refreshTokenEnc: row.refresh_token_enc, connectedAt: row.connected_at, refreshedAt: row.refreshed_at } : null;
    },
    /**
     * A new connection replaces the old one (the user signed in at Identity Center again).
     * Stored only while the user is enabled and the tenant active, checked in the same
     * statement: a disable that lands during the callback's AWS calls (it deletes the
     * sessions after committing the flag) is never undone by this write. False if not stored.
     */
    async connect(tenantId: string, userId: string, refreshTokenEnc: string, at: Date): Promise<boolean> {
      const r = await db
        .insertInto('idc_sessions')
        .columns(['tenant_id', 'user_id', 'refresh_token_enc', 'connected_at', 'refreshed_at'])
        .expression((eb) =>
          eb
            .selectFrom('users')
            .innerJoin('tenants', 'tenants.id', 'users.tenant_id')
            .select([
              eb.val(tenantId).as('tenant_id'),
              eb.val(userId).as('user_id'),
              eb.val(refreshTokenEnc).as('refresh_token_enc'),
              eb.val(at).as('connected_at'),
              eb.val(at).as('refreshed_at'),
            ])
            .where('users.id', '=', userId)
            .where('users.tenant_id', '=', tenantId)
            .where('users.disabled', '=', false)
            .where('tenants.status', '=', 'active'),
        )
        .onConflict((oc) => oc.columns(['tenant_id', 'user_id']).doUpdateSet({ refresh_token_enc: refreshTokenEnc, connected_at: at, refreshed_at: at }))
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
    },
    /**
     * Stores a rotated refresh token, only if the row still holds the one it replaces: a
     * disconnect or a newer connection in the meantime wins over this refresh.
     */
    async rotate(tenantId: string, userId: string, previousEnc: string, refreshTokenEnc: string, at: Date): Promise<boolean> {
      const r = await db
        .updateTable('idc_sessions')
        .set({ refresh_token_enc: refreshTokenEnc, refreshed_at: at })
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .where('refresh_token_enc', '=', previousEnc)
        .executeTakeFirst();
      return r.numUpdatedRows > 0n;
    },
    /** Drops one user's session, or with `onlyIf` only if it still holds that token. */
    async drop(tenantId: string, userId: string, onlyIf?: string): Promise<number> {
      let q = db.deleteFrom('idc_sessions').where('tenant_id', '=', tenantId).where('user_id', '=', userId);
      if (onlyIf !== undefined) q = q.where('refresh_token_enc', '=', onlyIf);
      return Number((await q.executeTakeFirst()).numDeletedRows);
    },
    async dropTenant(tenantId: string): Promise<number> {
      return Number((await db.deleteFrom('idc_sessions').where('tenant_id', '=', tenantId).executeTakeFirst()).numDeletedRows);
    },
  };
}

export type IdcSessionTable = ReturnType<typeof createIdcSessionTable>;
