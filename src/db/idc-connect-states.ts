// idc_connect_states: connect flows under way (authorization-code tenants). The row is keyed
// by the SHA-256 of the OAuth `state`, so the table never holds a usable state value, and is
// deleted by the one callback that presents it (DELETE … RETURNING: two concurrent callbacks
// with the same state cannot both get it).
import type { Database } from './database.js';

export interface ConnectState {
  tenantId: string;
  userId: string;
  serviceClientId: string;
  codeVerifierEnc: string;
  returnUrl: string;
  createdAt: Date;
  expiresAt: Date;
}

export function createConnectStateTable(db: Database) {
  return {
    async insert(id: string, s: ConnectState): Promise<void> {
      await db
        .insertInto('idc_connect_states')
        .values({
          id,
          tenant_id: s.tenantId,
          user_id: s.userId,
          service_client_id: s.serviceClientId,
          code_verifier_enc: s.codeVerifierEnc,
          return_url: s.returnUrl,
          created_at: s.createdAt,
          expires_at: s.expiresAt,
        })
        .execute();
    },
    /** Removes and returns the row (expired or not: the caller decides); null if there is none. */
    async consume(id: string): Promise<ConnectState | null> {
      const r = await db.deleteFrom('idc_connect_states').where('id', '=', id).returningAll().executeTakeFirst();
      return r
        ? {
            tenantId: r.tenant_id,
            userId: r.user_id,
            serviceClientId: r.service_client_id,
            codeVerifierEnc: r.code_verifier_enc,
            returnUrl: r.return_url,
            createdAt: r.created_at,
            expiresAt: r.expires_at,
          }
        : null;
    },
    async deleteExpired(now: Date): Promise<number> {
      return Number((await db.deleteFrom('idc_connect_states').where('expires_at', '<=', now).executeTakeFirst()).numDeletedRows);
    },
  };
}

export type ConnectStateTable = ReturnType<typeof createConnectStateTable>;
