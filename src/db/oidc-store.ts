// node-oidc-provider's artefacts on the hot path (every authorize, token and userinfo
// request reads or writes several of them), written as plain SQL on the process's one pool:
// one table, a JSON payload, and statements fixed at build time, so a query builder would
// add its per-call compile cost (measured in docs/benchmarks.md) and no type safety the
// table needs. Same table as the model OidcPayload (prisma/schema.prisma).
import type { Pool } from './database.js';

export type OidcPayloadData = Record<string, unknown>;

export interface OidcStore {
  upsert(model: string, id: string, payload: OidcPayloadData, expiresAt: Date | null): Promise<void>;
  find(model: string, id: string): Promise<{ payload: OidcPayloadData; expiresAt: Date | null } | null>;
  findBy(model: string, column: 'uid' | 'user_code', value: string): Promise<{ payload: OidcPayloadData; expiresAt: Date | null } | null>;
  /**
   * Marks the artefact consumed if nobody has: true for the one caller that did. Otherwise
   * false, with when it was consumed and its grant (null when the row is gone).
   */
  consume(model: string, id: string, at: Date): Promise<{ won: true } | { won: false; consumedAt: Date | null; grantId: string | null }>;
  /** consumed_at of an artefact (null when unconsumed or missing). */
  consumedAt(model: string, id: string): Promise<Date | null>;
  destroy(model: string, id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
  /** Reuse detection: deletes every artefact of the grant and the grant itself. */
  revokeGrant(grantId: string): Promise<void>;
  deleteExpired(before: Date): Promise<number>;
}

/** node-oidc-provider models whose payload names the grant they were issued under. */
const GRANT_ARTEFACTS = ['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PushedAuthorizationRequest'];

export function createOidcStore(pool: Pool): OidcStore {
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
      // The row lock of this UPDATE decides between concurrent redemptions, on any number of
      // instances: only the first flips consumed_at; the others match no row.
      const won = await pool.query(
        `UPDATE oidc_payloads SET consumed_at = $3, payload = jsonb_set(payload, '{consumed}', to_jsonb($4::int))
         WHERE model = $1 AND id = $2 AND consumed_at IS NULL`,
        [model, id, at, Math.floor(at.getTime() / 1000)],
      );
      if (won.rowCount === 1) return { won: true };
      const { rows } = await pool.query<{ consumed_at: Date | null; grant_id: string | null }>(
        'SELECT consumed_at, grant_id FROM oidc_payloads WHERE model = $1 AND id = $2',
        [model, id],
      );
      return { won: false, consumedAt: rows[0]?.consumed_at ?? null, grantId: rows[0]?.grant_id ?? null };
    },
    async consumedAt(model, id) {
      const { rows } = await pool.query<{ consumed_at: Date | null }>('SELECT consumed_at FROM oidc_payloads WHERE model = $1 AND id = $2', [model, id]);
      return rows[0]?.consumed_at ?? null;
    },
    async destroy(model, id) {
      await pool.query('DELETE FROM oidc_payloads WHERE model = $1 AND id = $2', [model, id]);
    },
    async revokeByGrantId(grantId) {
      await pool.query('DELETE FROM oidc_payloads WHERE grant_id = $1', [grantId]);
    },
    async revokeGrant(grantId) {
      // Two index lookups on (model, grant_id) and the primary key.
      await pool.query('DELETE FROM oidc_payloads WHERE model = ANY($2) AND grant_id = $1', [grantId, GRANT_ARTEFACTS]);
      await pool.query(`DELETE FROM oidc_payloads WHERE model = 'Grant' AND id = $1`, [grantId]);
    },
    async deleteExpired(before) {
      return (await pool.query('DELETE FROM oidc_payloads WHERE expires_at < $1', [before])).rowCount ?? 0;
    },
  };
}
