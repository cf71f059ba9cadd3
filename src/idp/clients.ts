// OAuth clients in Postgres. The provider reads them on every lookup (no restart for a
// new client). Secrets are random 256-bit strings shown once; only their SHA-256 is
// stored; the provider compares presented secrets against it (see client-auth.ts).
import { createHash, randomBytes } from 'node:crypto';
import { isUniqueViolation, type Db, type Prisma } from '../db/client.js';
import { AppError, validationError, type FieldProblem } from '../shared/errors.js';

export type ClientKind = 'web' | 'native' | 'service' | 'data-accessor';

export interface ClientInput {
  name: string;
  kind: ClientKind;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  firstParty?: boolean;
  allowedTenants?: string[];
  scopes?: string[];
  clientId?: string;
}

export interface ClientSummary {
  clientId: string;
  name: string;
  kind: ClientKind;
  firstParty: boolean;
  allowedTenants: string[];
  redirectUris: string[];
  createdAt: Date;
}

export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('base64url');

const USER_SCOPES = 'openid offline_access email profile tenant groups';
/** What a service client's tokens may carry: broker searches, broker admin, SCIM provisioning. */
export const SERVICE_SCOPES = ['search', 'admin', 'scim'] as const;

function metadataFor(input: ClientInput): Record<string, unknown> {
  const redirect = { redirect_uris: input.redirectUris ?? [], post_logout_redirect_uris: input.postLogoutRedirectUris ?? [] };
  switch (input.kind) {
    case 'web':
      return { ...redirect, kind: 'web', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic', scope: USER_SCOPES };
    case 'native':
      return { ...redirect, kind: 'native', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none', scope: USER_SCOPES };
    case 'service':
      return { kind: 'service', redirect_uris: [], grant_types: ['client_credentials'], response_types: [], token_endpoint_auth_method: 'client_secret_basic', scope: (input.scopes ?? ['search']).join(' ') };
    case 'data-accessor':
      // Only an audience: Identity Center checks our ID tokens' `aud` against this id.
      return { kind: 'data-accessor', redirect_uris: [], grant_types: [], response_types: [], token_endpoint_auth_method: 'none', scope: 'openid' };
  }
}

function validate(input: ClientInput): void {
  const problems: FieldProblem[] = [];
  if (!input.name?.trim()) problems.push({ field: 'name', message: 'is required' });
  if (!['web', 'native', 'service', 'data-accessor'].includes(input.kind)) problems.push({ field: 'kind', message: 'must be web, native, service or data-accessor' });
  if ((input.kind === 'web' || input.kind === 'native') && !input.redirectUris?.length) {
    problems.push({ field: 'redirectUris', message: 'at least one redirect URI is required for web and native clients' });
  }
  for (const uri of [...(input.redirectUris ?? []), ...(input.postLogoutRedirectUris ?? [])]) {
    if (!URL.canParse(uri) || uri.includes('#')) problems.push({ field: 'redirectUris', message: `'${uri}' is not an absolute URL without fragment` });
  }
  for (const s of input.scopes ?? []) {
    if (!(SERVICE_SCOPES as readonly string[]).includes(s)) problems.push({ field: 'scopes', message: `'${s}' is not a service scope (${SERVICE_SCOPES.join(', ')})` });
  }
  if (input.clientId !== undefined && !/^[A-Za-z0-9._~-]{3,128}$/.test(input.clientId)) {
    problems.push({ field: 'clientId', message: '3-128 characters of A-Z a-z 0-9 . _ ~ -' });
  }
  if (problems.length) throw validationError(problems);
}

/** How long a client row is reused; real time, as it only bounds staleness across instances. */
const CACHE_MS = 1000;

export function createClientService({ db }: { db: Db }) {
  // The provider, the consent page and the broker's scope check look clients up on every
  // request; a one-second cache of the row takes that query off the hot path. Changes made
  // here apply at once; another instance's within CACHE_MS.
  type Row = Awaited<ReturnType<Db['oidcClient']['findUnique']>>;
  const cache = new Map<string, { at: number; row: Row }>();

  async function add(input: ClientInput): Promise<{ clientId: string; clientSecret?: string }> {
    validate(input);
    const clientId = input.clientId ?? randomBytes(12).toString('base64url');
    const confidential = input.kind === 'web' || input.kind === 'service';
    const clientSecret = confidential ? randomBytes(32).toString('base64url') : undefined;
    if (input.kind === 'data-accessor' && (await db.oidcClient.count({ where: { isDataAccessor: true } })) > 0) {
      throw new AppError('data_accessor_client_exists', 409, 'A data accessor client already exists: AWS knows exactly one client ID per ISV. Remove it first to replace it.');
    }
    cache.delete(clientId);
    try {
      await db.oidcClient.create({
        data: {
          clientId, name: input.name.trim(), metadata: metadataFor(input) as Prisma.InputJsonValue,
          secretHash: clientSecret ? hashSecret(clientSecret) : null, firstParty: input.firstParty ?? false,
          isDataAccessor: input.kind === 'data-accessor', allowedTenants: input.allowedTenants ?? [],
        },
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new AppError('client_exists', 409, `A client with id '${clientId}' already exists`);
      }
      throw err;
    }
    return { clientId, clientSecret };
  }

  async function list(): Promise<ClientSummary[]> {
    const rows = await db.oidcClient.findMany({ orderBy: { createdAt: 'asc' } });
    return rows.map((r) => {
      const m = r.metadata as { kind: ClientKind; redirect_uris?: string[] };
      return { clientId: r.clientId, name: r.name, kind: m.kind, firstParty: r.firstParty, allowedTenants: r.allowedTenants, redirectUris: m.redirect_uris ?? [], createdAt: r.createdAt };
    });
  }

  async function remove(clientId: string): Promise<void> {
    cache.delete(clientId);
    const { count } = await db.oidcClient.deleteMany({ where: { clientId } });
    if (!count) throw new AppError('client_not_found', 404, `client '${clientId}' does not exist`);
  }

  async function get(clientId: string): Promise<Row> {
    const hit = cache.get(clientId);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.row;
    const row = await db.oidcClient.findUnique({ where: { clientId } });
    if (cache.size > 10_000) cache.clear();
    cache.set(clientId, { at: Date.now(), row });
    return row;
  }

  /** Metadata in the provider's format; `client_secret` is the stored hash, which client-auth.ts compares presented secrets against. */
  async function providerMetadata(clientId: string): Promise<Record<string, unknown> | null> {
    const row = await get(clientId);
    if (!row) return null;
    const { kind: _kind, ...meta } = row.metadata as Record<string, unknown>;
    return { ...meta, client_id: row.clientId, client_name: row.name, ...(row.secretHash ? { client_secret: row.secretHash } : {}) };
  }

  /** Scopes a service client may get broker API tokens for; none for other kinds. */
  async function brokerScopes(clientId: string): Promise<string[]> {
    const meta = (await get(clientId))?.metadata as { kind?: ClientKind; scope?: string } | undefined;
    return meta?.kind === 'service' ? (meta.scope ?? '').split(' ').filter(Boolean) : [];
  }

  async function dataAccessorClientId(): Promise<string | null> {
    return (await db.oidcClient.findFirst({ where: { isDataAccessor: true } }))?.clientId ?? null;
  }

  return { add, list, remove, get, providerMetadata, brokerScopes, dataAccessorClientId };
}

export type ClientService = ReturnType<typeof createClientService>;
