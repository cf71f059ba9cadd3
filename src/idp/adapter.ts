// node-oidc-provider storage adapter: every artefact (Session, Grant, AccessToken,
// RefreshToken, AuthorizationCode, Interaction, ...) in one table keyed by (model, id).
// Clients are not stored here: they come from the oidc_clients table (see clients.ts).
import type { OidcStore } from '../db/oidc-store.js';
import type { ClientService } from './clients.js';

type Payload = Record<string, unknown>;

export function createAdapterFactory(store: OidcStore, clients: ClientService, now: () => number) {
  const live = (row: { payload: Payload; expiresAt: Date | null } | null) =>
    !row || (row.expiresAt && row.expiresAt.getTime() <= now()) ? undefined : row.payload;

  return class PostgresAdapter {
    constructor(readonly model: string) {}

    async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
      await store.upsert(this.model, id, payload, expiresIn ? new Date(now() + expiresIn * 1000) : null);
    }

    async find(id: string): Promise<Payload | undefined> {
      if (this.model === 'Client') return (await clients.providerMetadata(id)) ?? undefined;
      return live(await store.find(this.model, id));
    }

    async findByUid(uid: string): Promise<Payload | undefined> {
      return live(await store.findBy(this.model, 'uid', uid));
    }

    async findByUserCode(userCode: string): Promise<Payload | undefined> {
      return live(await store.findBy(this.model, 'user_code', userCode));
    }

    async consume(id: string): Promise<void> {
      await store.consume(this.model, id, new Date(now()));
    }

    async destroy(id: string): Promise<void> {
      await store.destroy(this.model, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await store.revokeByGrantId(grantId);
    }
  };
}
