// node-oidc-provider's artefacts on the hot path (every authorize, token and userinfo
// request reads or writes several of them), queried with plain pg: the Prisma client's
// per-query planning was the largest CPU cost of a login in bench/idp.bench.ts.
// Same table as the Prisma model OidcPayload (prisma/schema.prisma).
import type { Sql } from './sql.js';

export type OidcPayloadData = Record<string, unknown>;

export interface OidcStore {
  upsert(model: string, id: string, payload: OidcPayloadData, expiresAt: Date | null): Promise<void>;
  find(model: string, id: string): Promise<{ payload: OidcPayloadData; expiresAt: Date | null } | null>;
  findBy(model: string, column: 'uid' | 'user_code', value: string): Promise<{ payload: OidcPayloadData; expiresAt: Date | null } | null>;
  consume(model: string, id: string, at: Date): Promise<void>;
  destroy(model: string, id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
  deleteExpired(before: Date): Promise<number>;
}

export function createOidcStore(pool: Sql): OidcStore {
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const one = async (text: string, values: unknown[]) => {
    const { rows } = await pool.query<{ payload: OidcPayloadData; expires_at: Date | null }>(text, values);
    return rows[0] ? { payload: rows[0].payload, expiresAt: rows[0].expires_at } : null;
  };
  return {
    async upsert(model, id, payload, expiresAt) {
      await pool.query(
        `INSERT INTO oidc_payloads (model, id, payload, grant_id, user_code, uid, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
           user_code = EXCLUDED.user_code, uid = EXCLUDED.uid, expires_at = EXCLUDED.expires_at`,
        [model, id, JSON.stringify(payload), str(payload.grantId), str(payload.userCode), str(payload.uid), expiresAt],
      );
    },
    find: (model, id) => one('SELECT payload, expires_at FROM oidc_payloads WHERE model = $1 AND id = $2', [model, id]),
    findBy: (model, column, value) =>
      one(`SELECT payload, expires_at FROM oidc_payloads WHERE model = $1 AND ${column === 'uid' ? 'uid' : 'user_code'} = $2 LIMIT 1`, [model, value]),
    async consume(model, id, at) {
      // One atomic statement, so two concurrent redemptions of a code both see `consumed`.
      await pool.query(
        `UPDATE oidc_payloads SET consumed_at = $3, payload = jsonb_set(payload, '{consumed}', to_jsonb($4::int))
         WHERE model = $1 AND id = $2`,
        [model, id, at, Math.floor(at.getTime() / 1000)],
      );
    },
    async destroy(model, id) {
      await pool.query('DELETE FROM oidc_payloads WHERE model = $1 AND id = $2', [model, id]);
    },
    async revokeByGrantId(grantId) {
      await pool.query('DELETE FROM oidc_payloads WHERE grant_id = $1', [grantId]);
    },
    async deleteExpired(before) {
      return (await pool.query('DELETE FROM oidc_payloads WHERE expires_at < $1', [before])).rowCount ?? 0;
    },
  };
}
