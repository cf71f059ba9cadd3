// node-oidc-provider storage adapter: every artefact (Session, Grant, AccessToken,
// RefreshToken, AuthorizationCode, Interaction, ...) in one table keyed by (model, id).
// Clients are not stored here: they come from the oidc_clients table (see clients.ts).
//
// Single use. The provider reads a code or refresh token, checks `consumed`, then calls
// consume(): concurrent redemptions (on one instance or several) would all pass that
// check. consume() is therefore the decision: one atomic UPDATE lets exactly one caller
// flip consumed_at; every other caller gets invalid_grant and, as RFC 9700 §4.14 asks of
// a replayed refresh token (and RFC 6749 §4.1.2 of a replayed code), the whole grant is
// revoked. An optional grace period (REFRESH_TOKEN_REUSE_GRACE, default 0 = off) lets a
// refresh token be presented again for a few seconds after its first use, so a client
// whose response was lost in transit can retry without losing the session.
import { errors } from 'oidc-provider';
import type { OidcStore } from '../db/oidc-store.js';
import type { ClientService } from './clients.js';

type Payload = Record<string, unknown>;

export interface AdapterOptions {
  now: () => number;
  /** Seconds a consumed refresh token may still be redeemed (0 = single use). */
  refreshReuseGraceSeconds?: number;
}

const LABEL: Record<string, string> = { AuthorizationCode: 'authorization code', RefreshToken: 'refresh token' };

export function createAdapterFactory(store: OidcStore, clients: ClientService, opts: AdapterOptions) {
  const { now } = opts;
  const graceMs = (opts.refreshReuseGraceSeconds ?? 0) * 1000;
  const live = (row: { payload: Payload; expiresAt: Date | null } | null) =>
    !row || (row.expiresAt && row.expiresAt.getTime() <= now()) ? undefined : row.payload;
  const inGrace = (model: string, consumedAt: Date | null) =>
    graceMs > 0 && model === 'RefreshToken' && consumedAt !== null && now() - consumedAt.getTime() < graceMs;

  return class PostgresAdapter {
    constructor(readonly model: string) {}

    async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
      await store.upsert(this.model, id, payload, expiresIn ? new Date(now() + expiresIn * 1000) : null);
    }

    async find(id: string): Promise<Payload | undefined> {
      if (this.model === 'Client') return (await clients.providerMetadata(id)) ?? undefined;
      const payload = live(await store.find(this.model, id));
      // Within the grace period a consumed refresh token reads as unconsumed, so the provider
      // redeems it again (consume() below lets it through) instead of revoking the grant.
      if (
        payload?.consumed !== undefined &&
        graceMs > 0 &&
        this.model === 'RefreshToken' &&
        inGrace(this.model, new Date((payload.consumed as number) * 1000))
      ) {
        const { consumed: _c, ...rest } = payload;
        return rest;
      }
      return payload;
    }

    async findByUid(uid: string): Promise<Payload | undefined> {
      return live(await store.findBy(this.model, 'uid', uid));
    }

    async findByUserCode(userCode: string): Promise<Payload | undefined> {
      return live(await store.findBy(this.model, 'user_code', userCode));
    }

    async consume(id: string): Promise<void> {
      const result = await store.consume(this.model, id, new Date(now()));
      if (result.won || inGrace(this.model, result.consumedAt)) return;
      if (result.grantId) await store.revokeGrant(result.grantId);
      throw new errors.InvalidGrant(`${LABEL[this.model] ?? this.model} already used`);
    }

    async destroy(id: string): Promise<void> {
      await store.destroy(this.model, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await store.revokeByGrantId(grantId);
    }
  };
}
