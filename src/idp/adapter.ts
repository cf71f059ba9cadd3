// node-oidc-provider storage adapter: every artefact (Session, Grant, AccessToken,
// RefreshToken, AuthorizationCode, Interaction, ...) in one table keyed by (model, id).
// Clients are not stored here: they come from the oidc_clients table (see clients.ts).
import type { Db } from '../db/client.js';
import { Prisma } from '../db/client.js';
import type { ClientService } from './clients.js';

type Payload = Record<string, unknown> & { grantId?: string; userCode?: string; uid?: string; consumed?: number };

export function createAdapterFactory(db: Db, clients: ClientService, now: () => number) {
  return class PrismaAdapter {
    constructor(readonly model: string) {}

    async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
      const data = {
        payload: payload as Prisma.InputJsonValue,
        grantId: payload.grantId ?? null,
        userCode: payload.userCode ?? null,
        uid: payload.uid ?? null,
        expiresAt: expiresIn ? new Date(now() + expiresIn * 1000) : null,
      };
      await db.oidcPayload.upsert({
        where: { model_id: { model: this.model, id } },
        create: { model: this.model, id, ...data },
        update: data,
      });
    }

    async find(id: string): Promise<Payload | undefined> {
      if (this.model === 'Client') return (await clients.providerMetadata(id)) ?? undefined;
      const row = await db.oidcPayload.findUnique({ where: { model_id: { model: this.model, id } } });
      return this.#unpack(row);
    }

    async findByUid(uid: string): Promise<Payload | undefined> {
      return this.#unpack(await db.oidcPayload.findFirst({ where: { model: this.model, uid } }));
    }

    async findByUserCode(userCode: string): Promise<Payload | undefined> {
      return this.#unpack(await db.oidcPayload.findFirst({ where: { model: this.model, userCode } }));
    }

    async consume(id: string): Promise<void> {
      const at = new Date(now());
      // Atomic jsonb update so two concurrent redemptions of one code both see `consumed`.
      await db.$executeRaw`UPDATE oidc_payloads SET consumed_at = ${at},
        payload = jsonb_set(payload, '{consumed}', to_jsonb(${Math.floor(at.getTime() / 1000)}::int))
        WHERE model = ${this.model} AND id = ${id}`;
    }

    async destroy(id: string): Promise<void> {
      await db.oidcPayload.deleteMany({ where: { model: this.model, id } });
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await db.oidcPayload.deleteMany({ where: { grantId } });
    }

    #unpack(row: { payload: unknown; expiresAt: Date | null } | null): Payload | undefined {
      if (!row || (row.expiresAt && row.expiresAt.getTime() <= now())) return undefined;
      return row.payload as Payload;
    }
  };
}

/** Deletes expired artefacts; the provider ignores them anyway, this keeps the table small. */
export async function sweepExpired(db: Db, now: number): Promise<number> {
  const { count } = await db.oidcPayload.deleteMany({ where: { expiresAt: { lt: new Date(now) } } });
  return count;
}
