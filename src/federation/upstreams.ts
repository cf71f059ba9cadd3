// Upstream identity providers: validated settings, the client secret sealed at rest under
// SECRET_KEY (the envelope that protects our signing keys), and views that never carry it.
// Shared by the CLI and the admin API; the login and the broker read rows through get/byIssuer.
import { z } from 'zod';
import type { Database } from '../db/database.js';
import { isUniqueViolation, upstreamQueries, type NewUpstreamRow, type UpstreamPatch, type UpstreamRow } from '../db/upstreams.js';
import type { Envelope } from '../idp/envelope.js';
import { AppError, notFound, validationError } from '../shared/errors.js';
import { parse } from '../broker/http/schemas.js';

export const UPSTREAM_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const claimName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[\w.:/-]+$/, 'must be a claim name (letters, digits, _ . : / -)');
const domain = z
  .string()
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z]{2,}$/i, 'must be a domain like example.com')
  .transform((d) => d.toLowerCase());
const tenantId = z.string().min(1).max(256);

const fields = {
  displayName: z.string().trim().min(1, 'must not be empty').max(100).describe('Shown on the login page as "Continue with <displayName>".'),
  issuer: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(2048)
    .refine((u) => !/[?#]/.test(u), 'must have no query or fragment')
    .describe("Exact issuer URL of the upstream (its tokens' iss); discovery is at <issuer>/.well-known/openid-configuration."),
  clientId: z.string().min(1).max(256).nullable().describe('Federated login: our client id at the upstream. Null = no login button.'),
  clientSecret: z
    .string()
    .min(1)
    .max(2048)
    .nullable()
    .describe('Federated login: the client secret (write-only; stored encrypted). Null = public client with PKCE only.'),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a scope token'))
    .min(1)
    .max(20)
    .refine((s) => s.includes('openid'), 'must include openid'),
  tenants: z
    .array(tenantId)
    .min(1, 'must name at least one tenant')
    .max(1000)
    .describe('Tenants this upstream signs users into (or speaks for in broker tokens).'),
  emailDomains: z.array(domain).max(100).describe('Email domains the login page routes to this upstream ("Continue with single sign-on").'),
  claimEmail: claimName,
  claimEmailVerified: claimName,
  claimName,
  claimGroups: claimName.nullable(),
  tenantClaim: claimName.nullable().describe('Claim whose value picks the tenant through tenantMap (e.g. an organisation id).'),
  tenantMap: z.record(z.string().min(1).max(256), tenantId).refine((m) => Object.keys(m).length <= 1000, 'must have at most 1000 entries'),
  tokenAudience: z
    .string()
    .min(1)
    .max(2048)
    .nullable()
    .describe("Trusted external issuer: the aud the broker requires in this issuer's tokens. Null = its tokens are not accepted."),
  clockSkewSeconds: z.int().min(0).max(60, 'must be at most 60 seconds'),
  enabled: z.boolean(),
};

export const upstreamInputSchema = z
  .object({ id: z.string().regex(UPSTREAM_ID, 'must be 1-63 lower-case letters, digits, _ or -, starting with a letter or digit'), ...fields })
  .partial()
  .strict()
  .meta({ description: 'id, displayName, issuer and tenants are required on create; id cannot change. Omitted fields keep their value (defaults on create).' });
export type UpstreamInput = z.infer<typeof upstreamInputSchema>;

/** What callers see: never the secret, only whether one is set. */
export interface UpstreamView {
  id: string;
  displayName: string;
  issuer: string;
  clientId: string | null;
  hasClientSecret: boolean;
  scopes: string[];
  tenants: string[];
  emailDomains: string[];
  claimEmail: string;
  claimEmailVerified: string;
  claimName: string;
  claimGroups: string | null;
  tenantClaim: string | null;
  tenantMap: Record<string, string>;
  tokenAudience: string | null;
  clockSkewSeconds: number;
  enabled: boolean;
  /** Which roles this row plays. */
  login: boolean;
  trustedIssuer: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export function upstreamView(r: UpstreamRow): UpstreamView {
  return {
    id: r.id,
    displayName: r.display_name,
    issuer: r.issuer,
    clientId: r.client_id,
    hasClientSecret: r.client_secret_enc !== null,
    scopes: r.scopes,
    tenants: r.tenants,
    emailDomains: r.email_domains,
    claimEmail: r.claim_email,
    claimEmailVerified: r.claim_email_verified,
    claimName: r.claim_name,
    claimGroups: r.claim_groups,
    tenantClaim: r.tenant_claim,
    tenantMap: (r.tenant_map ?? {}) as Record<string, string>,
    tokenAudience: r.token_audience,
    clockSkewSeconds: r.clock_skew_seconds,
    enabled: r.enabled,
    login: r.client_id !== null,
    trustedIssuer: r.token_audience !== null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The redirect URI to register at every upstream. */
export const upstreamRedirectUri = (issuer: string) => `${issuer}/interaction/upstream/callback`;

export interface UpstreamServiceDeps {
  database: Database;
  envelope: Envelope;
  /** http:// issuers are refused in production (tokens and secrets would travel in clear). */
  production: boolean;
}

export function createUpstreamService(deps: UpstreamServiceDeps) {
  const q = upstreamQueries(deps.database);
  const secretContext = (id: string) => `upstream-client-secret:${id}`;

  async function checkTenants(input: UpstreamInput, current?: UpstreamRow): Promise<void> {
    const tenants = input.tenants ?? current?.tenants ?? [];
    const map = input.tenantMap ?? (current?.tenant_map as Record<string, string> | undefined) ?? {};
    const problems = [];
    const known = new Set(
      (
        await deps.database
          .selectFrom('tenants')
          .select('id')
          .where('id', 'in', tenants.length ? tenants : [''])
          .execute()
      ).map((t) => t.id),
    );
    const missing = tenants.filter((t) => !known.has(t));
    if (missing.length) problems.push({ field: 'tenants', message: `no such tenant: ${missing.join(', ')}` });
    const outside = Object.entries(map)
      .filter(([, t]) => !tenants.includes(t))
      .map(([k]) => k);
    if (outside.length) problems.push({ field: 'tenantMap', message: `maps ${outside.join(', ')} to a tenant not in tenants` });
    const issuer = input.issuer ?? current?.issuer;
    if (deps.production && issuer?.startsWith('http:')) problems.push({ field: 'issuer', message: 'must be https in production' });
    const clientId = input.clientId !== undefined ? input.clientId : (current?.client_id ?? null);
    const audience = input.tokenAudience !== undefined ? input.tokenAudience : (current?.token_audience ?? null);
    if (clientId === null && audience === null)
      problems.push({ field: '(body)', message: 'set clientId (federated login), tokenAudience (trusted external issuer), or both' });
    if (problems.length) throw validationError(problems);
  }

  function row(input: UpstreamInput, id: string): UpstreamPatch {
    const out: UpstreamPatch = {
      display_name: input.displayName,
      issuer: input.issuer,
      client_id: input.clientId,
      scopes: input.scopes,
      tenants: input.tenants,
      email_domains: input.emailDomains,
      claim_email: input.claimEmail,
      claim_email_verified: input.claimEmailVerified,
      claim_name: input.claimName,
      claim_groups: input.claimGroups,
      tenant_claim: input.tenantClaim,
      tenant_map: input.tenantMap === undefined ? undefined : JSON.stringify(input.tenantMap),
      token_audience: input.tokenAudience,
      clock_skew_seconds: input.clockSkewSeconds,
      enabled: input.enabled,
    };
    if (input.clientSecret !== undefined)
      out.client_secret_enc = input.clientSecret === null ? null : deps.envelope.seal(input.clientSecret, secretContext(id));
    return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as UpstreamPatch;
  }

  async function require(id: string): Promise<UpstreamRow> {
    const r = typeof id === 'string' && UPSTREAM_ID.test(id) ? await q.get(id) : null;
    if (!r) throw notFound('upstream', String(id).slice(0, 64));
    return r;
  }

  return {
    async add(raw: unknown): Promise<UpstreamView> {
      const input = parse(upstreamInputSchema, raw);
      const problems = (['id', 'displayName', 'issuer', 'tenants'] as const)
        .filter((f) => input[f] === undefined)
        .map((f) => ({ field: f, message: 'is required' }));
      if (problems.length) throw validationError(problems);
      await checkTenants(input);
      try {
        return upstreamView(
          await q.insert({ ...row(input, input.id!), id: input.id!, display_name: input.displayName!, issuer: input.issuer! } as NewUpstreamRow),
        );
      } catch (err) {
        if (isUniqueViolation(err)) throw new AppError('upstream_exists', 409, `an upstream with id '${input.id}' already exists`);
        throw err;
      }
    },
    async update(id: string, raw: unknown): Promise<UpstreamView> {
      const input = parse(upstreamInputSchema, raw);
      if (input.id !== undefined && input.id !== id) throw validationError([{ field: 'id', message: 'cannot change' }]);
      const current = await require(id);
      await checkTenants(input, current);
      const updated = await q.update(id, row(input, id));
      if (!updated) throw notFound('upstream', id);
      return upstreamView(updated);
    },
    async remove(id: string): Promise<void> {
      await require(id);
      await q.remove(id);
    },
    list: async () => (await q.list()).map(upstreamView),
    /** The row itself (login and broker), or null. */
    row: (id: string) => (UPSTREAM_ID.test(id) ? q.get(id) : Promise.resolve(null)),
    get: async (id: string) => upstreamView(await require(id)),
    byIssuer: (issuer: string) => q.byIssuer(issuer),
    /** The client secret in clear, for the token request only. */
    clientSecret: (r: UpstreamRow) => (r.client_secret_enc === null ? undefined : deps.envelope.open(r.client_secret_enc, secretContext(r.id))),
  };
}

export type UpstreamService = ReturnType<typeof createUpstreamService>;
