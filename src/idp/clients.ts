// OAuth clients in Postgres. The provider reads them on every lookup (no restart for a
// new client). Secrets are random 256-bit strings shown once; only their SHA-256 is
// stored; the provider compares presented secrets against it (see client-auth.ts).
import { createHash, randomBytes } from 'node:crypto';
import { isUniqueViolation, type Database } from '../db/database.js';
import { oidcClientQueries, type ClientRow } from '../db/oidc-clients.js';
import { createRowCache, type RowCache } from '../db/row-cache.js';
import { AppError, notFound, validationError, type FieldProblem } from '../shared/errors.js';

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
  /** Scopes of a service client (search, admin, scim); empty for other kinds. */
  scopes: string[];
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  /** Until when the secret replaced by the last rotation still works; null when none does. */
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
}

/** What `update` may change; absent fields stay as they are. */
export interface ClientPatch {
  name?: string;
  allowedTenants?: string[];
  scopes?: string[];
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
}

/** Scopes a service client may hold: broker searches, broker admin, SCIM provisioning. */
export const SERVICE_SCOPES = ['search', 'admin', 'scim'] as const;
/** Longest overlap a rotation may give the old secret: a week. */
export const MAX_OVERLAP_SECONDS = 7 * 24 * 3600;

export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('base64url');

/** The scopes of a service client's metadata; none for other kinds. */
const scopesOf = (m: { kind?: ClientKind; scope?: string } | undefined): string[] => (m?.kind === 'service' ? (m.scope ?? '').split(' ').filter(Boolean) : []);

function summaryOf(r: ClientRow): ClientSummary {
  const m = r.metadata as { kind: ClientKind; redirect_uris?: string[]; post_logout_redirect_uris?: string[]; scope?: string };
  const overlapping = r.previousSecretHash && r.previousSecretExpiresAt && r.previousSecretExpiresAt.getTime() > Date.now();
  return {
    clientId: r.clientId,
    name: r.name,
    kind: m.kind,
    firstParty: r.firstParty,
    allowedTenants: r.allowedTenants,
    scopes: scopesOf(m),
    redirectUris: m.redirect_uris ?? [],
    postLogoutRedirectUris: m.post_logout_redirect_uris ?? [],
    previousSecretExpiresAt: overlapping ? r.previousSecretExpiresAt : null,
    createdAt: r.createdAt,
  };
}

/**
 * The provider's `client_secret` value: the current hash, and during a rotation's overlap
 * also the previous hash with its expiry (`current prev@epochMs`); client-auth.ts accepts a
 * presented secret matching either while the previous one has not expired.
 */
export function encodeSecretHashes(current: string, previous?: string | null, previousExpiresAt?: Date | null): string {
  return previous && previousExpiresAt ? `${current} ${previous}@${previousExpiresAt.getTime()}` : current;
}

const USER_SCOPES = 'openid offline_access email profile tenant groups';

function metadataFor(input: ClientInput): Record<string, unknown> {
  const redirect = { redirect_uris: input.redirectUris ?? [], post_logout_redirect_uris: input.postLogoutRedirectUris ?? [] };
  switch (input.kind) {
    case 'web':
      return {
        ...redirect,
        kind: 'web',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: USER_SCOPES,
      };
    case 'native':
      return {
        ...redirect,
        kind: 'native',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        scope: USER_SCOPES,
      };
    case 'service':
      return {
        kind: 'service',
        redirect_uris: [],
        grant_types: ['client_credentials'],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: (input.scopes ?? ['search']).join(' '),
      };
    case 'data-accessor':
      // Only an audience: Identity Center checks our ID tokens' `aud` against this id.
      return { kind: 'data-accessor', redirect_uris: [], grant_types: [], response_types: [], token_endpoint_auth_method: 'none', scope: 'openid' };
  }
}

function checkTenantsAndScopes(input: { allowedTenants?: string[]; scopes?: string[] }, problems: FieldProblem[]): void {
  for (const t of input.allowedTenants ?? []) {
    if (typeof t !== 'string' || (t !== '*' && !/^[A-Za-z0-9_-]{1,256}$/.test(t)))
      problems.push({ field: 'allowedTenants', message: `'${String(t)}' is not a tenant id or *` });
  }
  for (const s of input.scopes ?? []) {
    if (!(SERVICE_SCOPES as readonly string[]).includes(s))
      problems.push({ field: 'scopes', message: `'${String(s)}' is not one of ${SERVICE_SCOPES.join(', ')}` });
  }
}

function validate(input: ClientInput): void {
  const problems: FieldProblem[] = [];
  if (!input.name?.trim()) problems.push({ field: 'name', message: 'is required' });
  checkTenantsAndScopes(input, problems);
  if (!['web', 'native', 'service', 'data-accessor'].includes(input.kind))
    problems.push({ field: 'kind', message: 'must be web, native, service or data-accessor' });
  if ((input.kind === 'web' || input.kind === 'native') && !input.redirectUris?.length) {
    problems.push({ field: 'redirectUris', message: 'at least one redirect URI is required for web and native clients' });
  }
  for (const uri of [...(input.redirectUris ?? []), ...(input.postLogoutRedirectUris ?? [])]) {
    if (!URL.canParse(uri) || uri.includes('#')) problems.push({ field: 'redirectUris', message: `'${uri}' is not an absolute URL without fragment` });
  }
  if (input.clientId !== undefined && !/^[A-Za-z0-9._~-]{3,128}$/.test(input.clientId)) {
    problems.push({ field: 'clientId', message: '3-128 characters of A-Z a-z 0-9 . _ ~ -' });
  }
  if (problems.length) throw validationError(problems);
}

/**
 * A random client id (96 bits, base64url) that starts with a letter or digit: one starting
 * with '-' would read as an option on every CLI command line that names it.
 */
export function newClientId(): string {
  for (;;) {
    const id = randomBytes(12).toString('base64url');
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}

export function createClientService({ database, rows = createRowCache({ ttlMs: 0, now: Date.now }) }: { database: Database; rows?: RowCache }) {
  const clients = oidcClientQueries(database);
  // The provider, the consent page and the broker's scope check look clients up on every
  // request: the process's row cache takes that query off the hot path. Changes made here
  // apply at once; another process's when its change notification arrives. Default (CLI):
  // no caching.
  type Row = ClientRow | null;
  // Before the write and again after it: a read racing the write must not keep the old row.
  const writing = async <T>(clientId: string, write: () => Promise<T>): Promise<T> => {
    rows.invalidate('oidc_clients', clientId);
    try {
      return await write();
    } finally {
      rows.invalidate('oidc_clients', clientId);
    }
  };

  async function add(input: ClientInput): Promise<{ clientId: string; clientSecret?: string }> {
    validate(input);
    const clientId = input.clientId ?? newClientId();
    const confidential = input.kind === 'web' || input.kind === 'service';
    const clientSecret = confidential ? randomBytes(32).toString('base64url') : undefined;
    if (input.kind === 'data-accessor' && (await clients.dataAccessorId()) !== null) {
      throw new AppError(
        'data_accessor_client_exists',
        409,
        'A data accessor client already exists: AWS knows exactly one client ID per ISV. Remove it first to replace it.',
      );
    }
    try {
      await writing(clientId, () =>
        clients.insert(clientId, {
          name: input.name.trim(),
          metadata: metadataFor(input),
          secretHash: clientSecret ? hashSecret(clientSecret) : null,
          firstParty: input.firstParty ?? false,
          isDataAccessor: input.kind === 'data-accessor',
          allowedTenants: input.allowedTenants ?? [],
          previousSecretHash: null,
          previousSecretExpiresAt: null,
        }),
      );
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new AppError('client_exists', 409, `A client with id '${clientId}' already exists`);
      }
      throw err;
    }
    return { clientId, clientSecret };
  }

  async function list(): Promise<ClientSummary[]> {
    return (await clients.list()).map(summaryOf);
  }

  /** One client as an administrator sees it (never its secret or hash); null when missing. */
  async function show(clientId: string): Promise<ClientSummary | null> {
    const row = await clients.get(String(clientId));
    return row ? summaryOf(row) : null;
  }

  async function requireRow(clientId: string) {
    const row = await clients.get(String(clientId));
    if (!row) throw notFound('client', clientId);
    return row;
  }

  /**
   * Changes a client's name, allowed tenants, scopes or redirect URIs, keeping its id and
   * secret. Redirect URIs only for web and native clients, tenants and scopes only for
   * service clients: anything else would be stored but never used, which hides mistakes.
   */
  async function update(clientId: string, patch: ClientPatch): Promise<ClientSummary> {
    const row = await requireRow(clientId);
    const meta = { ...(row.metadata as Record<string, unknown>) };
    const kind = meta.kind as ClientKind;
    const problems: FieldProblem[] = [];
    if (patch.name !== undefined && !String(patch.name).trim()) problems.push({ field: 'name', message: 'must not be empty' });
    checkTenantsAndScopes(patch, problems);
    const userFacing = kind === 'web' || kind === 'native';
    if (!userFacing && (patch.redirectUris !== undefined || patch.postLogoutRedirectUris !== undefined)) {
      problems.push({ field: 'redirectUris', message: `a ${kind} client has no redirect URIs (only web and native clients do)` });
    }
    if (kind !== 'service' && (patch.allowedTenants !== undefined || patch.scopes !== undefined)) {
      problems.push({
        field: patch.scopes !== undefined ? 'scopes' : 'allowedTenants',
        message: `only service clients have allowed tenants and scopes (this one is ${kind})`,
      });
    }
    if (userFacing && patch.redirectUris !== undefined && !patch.redirectUris.length)
      problems.push({ field: 'redirectUris', message: 'at least one redirect URI is required for web and native clients' });
    if (kind === 'service' && patch.scopes !== undefined && !patch.scopes.length)
      problems.push({ field: 'scopes', message: 'give at least one scope (search, admin)' });
    for (const uri of [...(patch.redirectUris ?? []), ...(patch.postLogoutRedirectUris ?? [])]) {
      if (typeof uri !== 'string' || !URL.canParse(uri) || uri.includes('#'))
        problems.push({ field: 'redirectUris', message: `'${String(uri)}' is not an absolute URL without fragment` });
    }
    if (problems.length) throw validationError(problems);
    if (patch.redirectUris !== undefined) meta.redirect_uris = patch.redirectUris;
    if (patch.postLogoutRedirectUris !== undefined) meta.post_logout_redirect_uris = patch.postLogoutRedirectUris;
    if (patch.scopes !== undefined) meta.scope = [...new Set(patch.scopes)].join(' ');
    const updated = await writing(row.clientId, () =>
      clients.update(row.clientId, {
        metadata: meta,
        ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
        ...(patch.allowedTenants !== undefined ? { allowedTenants: [...new Set(patch.allowedTenants)] } : {}),
      }),
    );
    if (!updated) throw notFound('client', clientId);
    return summaryOf(updated);
  }

  /**
   * A new secret, shown once. The old one keeps working for `overlapSeconds` (0 = revoked at
   * once) so the client's deployments can switch without an outage; a second rotation during
   * an overlap ends the first one (only the secret it replaces overlaps).
   */
  async function rotateSecret(
    clientId: string,
    overlapSeconds: number,
    at = new Date(),
  ): Promise<{ clientId: string; clientSecret: string; previousSecretExpiresAt: Date | null }> {
    if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > MAX_OVERLAP_SECONDS) {
      throw validationError([{ field: 'overlapSeconds', message: `must be an integer from 0 to ${MAX_OVERLAP_SECONDS} (a week)` }]);
    }
    const row = await requireRow(clientId);
    if (!row.secretHash)
      throw new AppError(
        'client_has_no_secret',
        409,
        `client '${row.clientId}' is public (${(row.metadata as { kind: string }).kind}): it has no secret to rotate`,
      );
    const clientSecret = randomBytes(32).toString('base64url');
    const expires = overlapSeconds > 0 ? new Date(at.getTime() + overlapSeconds * 1000) : null;
    // Conditional on the hash read above: two concurrent rotations cannot both win and leave a secret nobody was shown.
    const replaced = await writing(row.clientId, () =>
      clients.replaceSecret(row.clientId, row.secretHash!, {
        secretHash: hashSecret(clientSecret),
        previousSecretHash: expires ? row.secretHash : null,
        previousSecretExpiresAt: expires,
      }),
    );
    if (!replaced) throw new AppError('conflict', 409, "The client's secret was rotated at the same moment by someone else; look at the client and try again.");
    return { clientId: row.clientId, clientSecret, previousSecretExpiresAt: expires };
  }

  async function remove(clientId: string): Promise<void> {
    if (!(await writing(clientId, () => clients.remove(clientId)))) throw notFound('client', clientId);
  }

  function get(clientId: string): Promise<Row> {
    return rows.get({ table: 'oidc_clients', id: clientId, as: 'client' }, () => clients.get(clientId));
  }

  /** Metadata in the provider's format; `client_secret` is the stored hash, which client-auth.ts compares presented secrets against. */
  async function providerMetadata(clientId: string): Promise<Record<string, unknown> | null> {
    const row = await get(clientId);
    if (!row) return null;
    const { kind: _kind, ...meta } = row.metadata as Record<string, unknown>;
    const secret = row.secretHash ? encodeSecretHashes(row.secretHash, row.previousSecretHash, row.previousSecretExpiresAt) : undefined;
    return { ...meta, client_id: row.clientId, client_name: row.name, ...(secret ? { client_secret: secret } : {}) };
  }

  /** Scopes a service client may get broker API tokens for; none for other kinds. */
  async function brokerScopes(clientId: string): Promise<string[]> {
    return scopesOf((await get(clientId))?.metadata as { kind?: ClientKind; scope?: string } | undefined);
  }

  /**
   * Registers or refreshes a first-party public client (the admin console): same id, the
   * redirect URIs of this ISSUER. Idempotent, so every start (and every instance) may call it.
   */
  async function ensureFirstParty(input: { clientId: string; name: string; redirectUris: string[]; postLogoutRedirectUris: string[] }): Promise<void> {
    const client: ClientInput = { ...input, kind: 'native', firstParty: true };
    validate(client);
    await writing(input.clientId, () =>
      clients.upsert(input.clientId, {
        name: input.name,
        metadata: metadataFor(client),
        firstParty: true,
        isDataAccessor: false,
        allowedTenants: [],
        secretHash: null,
        previousSecretHash: null,
        previousSecretExpiresAt: null,
      }),
    );
  }

  async function dataAccessorClientId(): Promise<string | null> {
    return clients.dataAccessorId();
  }

  return { add, list, show, update, rotateSecret, remove, get, providerMetadata, brokerScopes, dataAccessorClientId, ensureFirstParty };
}

export type ClientService = ReturnType<typeof createClientService>;
