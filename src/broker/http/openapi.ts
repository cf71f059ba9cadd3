// The OpenAPI 3.1 description of the broker API, served at /api/v1/openapi.json and
// rendered at /api/v1/docs. Request bodies come from the zod schemas that validate them;
// examples live in openapi-examples.ts, problem responses in openapi-errors.ts.
// `npm run lint:openapi` holds it to Redocly's recommended-strict ruleset.
import { z } from 'zod';
import { TENANT_ID, TENANT_ID_MAX } from '../../tenants/validate.js';
import {
  attributeFilterSchema,
  auditQuerySchema,
  checkBodySchema,
  clientCreateSchema,
  clientPatchSchema,
  connectBodySchema,
  keyRotateSchema,
  onboardingLinkBodySchema,
  resetPasswordSchema,
  rotateSecretSchema,
  searchBodySchema,
  userCreateSchema,
} from './schemas.js';
import { responseSchemas } from './openapi-responses.js';
import { examples } from './openapi-examples.js';
import { AUTH_ERRORS, BODY_ERRORS, problemResponses, type ErrorCode } from './openapi-errors.js';
import { UPSTREAM_ID, upstreamInputSchema } from '../../federation/upstreams.js';

function requestSchemas(): Record<string, unknown> {
  const reg = z.registry<{ id: string }>();
  reg.add(searchBodySchema, { id: 'SearchRequest' });
  reg.add(attributeFilterSchema, { id: 'AttributeFilter' });
  reg.add(checkBodySchema, { id: 'CheckRequest' });
  reg.add(onboardingLinkBodySchema, { id: 'OnboardingLinkRequest' });
  reg.add(connectBodySchema, { id: 'ConnectRequest' });
  reg.add(userCreateSchema, { id: 'UserInput' });
  reg.add(resetPasswordSchema, { id: 'ResetPasswordRequest' });
  reg.add(clientCreateSchema, { id: 'ClientInput' });
  reg.add(clientPatchSchema, { id: 'ClientPatch' });
  reg.add(rotateSecretSchema, { id: 'RotateSecretRequest' });
  reg.add(keyRotateSchema, { id: 'KeyRotateRequest' });
  reg.add(upstreamInputSchema, { id: 'UpstreamInput' });
  const { schemas } = z.toJSONSchema(reg, { io: 'input', uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, s]) => {
      const { $schema: _s, $id: _i, ...rest } = s as Record<string, unknown>;
      return [id, rest];
    }),
  );
}

type Examples = Record<string, { summary: string; value: unknown }>;
const json = (ref: string, ex: Examples) => ({ content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` }, examples: ex } } });

const tenantParam = {
  name: 'tenantId',
  in: 'path',
  required: true,
  description: "The Tenant ID (the data accessor's tenant id in the customer's AWS account).",
  schema: { type: 'string', pattern: TENANT_ID.source, maxLength: TENANT_ID_MAX },
  example: 'acme',
};
const AUDIT_PARAM_TEXT: Record<keyof typeof auditQuerySchema.shape, [string, string]> = {
  tenantId: ["Only events of this tenant (it must be one of the caller's tenants).", 'acme'],
  userId: ['Only events of this user.', '3f0c9d7e-2b1a-4c5d-8e9f-0a1b2c3d4e5f'],
  serviceClientId: ['Only events caused by this service client.', 'svc-reporting'],
  kind: ['Only this kind of event.', 'search'],
  outcome: ['Only successes or only failures.', 'failure'],
  errorCode: ['Only failures with this error code.', 'identity_access_denied'],
  since: ['Events at or after this time (ISO 8601).', '2026-01-05T00:00:00Z'],
  until: ['Events before this time (ISO 8601).', '2026-01-06T00:00:00Z'],
  before: ['The `nextCursor` of the previous page: older events.', '1042'],
  limit: ['Events per page, 1-500 (default 50).', '100'],
};
function auditParams(): unknown[] {
  const { properties } = z.toJSONSchema(auditQuerySchema, { io: 'input' }) as { properties: Record<string, Record<string, unknown>> };
  return Object.entries(AUDIT_PARAM_TEXT).map(([name, [description, example]]) => ({
    name,
    in: 'query',
    required: false,
    description,
    schema: properties[name],
    example,
  }));
}

const SEARCH_ERRORS: ErrorCode[] = [
  ...BODY_ERRORS,
  'invalid_search',
  'invalid_token',
  'invalid_user_token',
  'user_token_expired',
  'insufficient_scope',
  'service_not_allowed',
  'tenant_not_active',
  'user_not_in_tenant',
  'user_disabled',
  'backend_access_not_allowed',
  'identity_access_denied',
  'user_not_licensed',
  'data_accessor_denied',
  'tenant_not_found',
  'tenant_not_configured',
  'endpoint_not_allowed',
  'throttled',
  'assertion_rejected',
  'identity_context_rejected',
  'tenant_misconfigured',
  'aws_credentials_invalid',
  'aws_request_failed',
  'aws_unavailable',
  'service_unavailable',
  // a user token from a trusted external issuer (docs/identity-providers.md)
  'upstream_email_missing',
  'upstream_email_unverified',
  'upstream_tenant_mismatch',
  'upstream_tenant_unmapped',
  'upstream_unavailable',
  'upstream_misconfigured',
  'connect_required',
];
const CONNECT_ERRORS: ErrorCode[] = [
  ...BODY_ERRORS,
  'invalid_token',
  'invalid_user_token',
  'user_token_expired',
  'insufficient_scope',
  'service_not_allowed',
  'tenant_not_active',
  'user_not_in_tenant',
  'user_disabled',
  'backend_access_not_allowed',
  'tenant_not_found',
  'tenant_not_configured',
  'endpoint_not_allowed',
  'not_authorization_code_tenant',
  'tenant_misconfigured',
  'service_unavailable',
];
const upstreamParam = {
  name: 'upstreamId',
  in: 'path',
  required: true,
  description: "The upstream's id (a slug chosen when it was added).",
  schema: { type: 'string', pattern: UPSTREAM_ID.source, maxLength: 63 },
  example: 'acme-okta',
};
const ADMIN_ERRORS: ErrorCode[] = [...AUTH_ERRORS, 'tenant_not_allowed'];
const NAMED_TENANT: ErrorCode[] = [...ADMIN_ERRORS, 'tenant_not_found_admin'];

interface Op {
  id: string;
  tag: string;
  summary: string;
  description: string;
  admin?: boolean;
  tenant?: boolean;
  params?: unknown[];
  body?: [schema: string, examples: Examples, description: string, required?: boolean];
  ok: [status: number, description: string, schema: string, examples: Examples, headers?: Record<string, unknown>];
  errors: ErrorCode[];
}

function operation(o: Op): Record<string, unknown> {
  const [status, description, schema, ex, headers] = o.ok;
  const params = [...(o.tenant ? [tenantParam] : []), ...(o.params ?? [])];
  return {
    operationId: o.id,
    tags: [o.tag],
    summary: o.summary,
    description: o.description,
    security: [{ serviceToken: [o.admin ? 'admin' : 'search'] }],
    ...(params.length ? { parameters: params } : {}),
    ...(o.body ? { requestBody: { required: o.body[3] ?? true, description: o.body[2], ...json(o.body[0], o.body[1]) } } : {}),
    responses: { [status]: { description, ...(headers ? { headers } : {}), ...json(schema, ex) }, ...problemResponses(o.errors) },
  };
}

const TAGS = [
  { name: 'Search', description: "Search a customer's Amazon Q Business index as one of the customer's users, through their data accessor. Scope `search`." },
  {
    name: 'Tenants',
    description:
      'Register and configure customers (tenants) and their data-accessor details. Scope `admin`; a client sees only its allowed tenants (all with `*`).',
  },
  { name: 'Users', description: "A tenant's users: list, add, disable, unlock, reset password. Scope `admin`, for the client's allowed tenants." },
  {
    name: 'Clients',
    description: 'OAuth clients. Scope `admin`; changes need a global admin (`*`); a tenant-limited admin reads only clients confined to its tenants.',
  },
  { name: 'Keys', description: 'Signing and cookie keys (public parts only). Scope `admin`, global admin only.' },
  {
    name: 'Identity providers',
    description:
      "The ISV's own identity providers (upstreams): federated sign-in on the login page and/or trusted external issuers whose tokens the search accepts as `user.token`. Scope `admin`; an upstream is visible only when all its tenants are among the client's allowed tenants. Client secrets are write-only.",
  },
  { name: 'Support', description: "Diagnose a tenant's setup and read the audit trail of exchanges, searches and checks. Scope `admin`." },
];

export function buildOpenApi(serverUrl?: string): Record<string, unknown> {
  const tokenUrl = serverUrl ? `${serverUrl.replace(/\/$/, '')}/token` : '/token';
  const tenantBody = (ex: Examples, what: string): Op['body'] => ['TenantInput', ex, what];
  const ops = {
    search: operation({
      id: 'search',
      tag: 'Search',
      summary: 'Search as a user of the tenant',
      description:
        "Runs Q Business SearchRelevantContent as the user, with that user's document permissions. The broker exchanges credentials for (tenant, user) on first use (AssumeRole, CreateTokenWithIAM, AssumeRole with the identity context) and caches them until shortly before they expire. Identify the user with `user.token` (an ID or access token this provider issued to them, or one from a trusted external issuer, i.e. the ISV's own identity provider: proof they are present) or, when the tenant allows backend access, `user.id` or `user.email`. Follow `nextToken` until it is `null`; with `minConfidence` a page may hold fewer than `maxResults` results.",
      tenant: true,
      body: ['SearchRequest', examples.searchRequest, 'The query and the user to search as.'],
      ok: [200, 'One page of results', 'SearchResponse', examples.searchResponse],
      errors: SEARCH_ERRORS,
    }),
    connect: operation({
      id: 'connect',
      tag: 'Search',
      summary: 'Connect a user of an authorization-code tenant',
      description:
        "For tenants with `authMode` = `authorization-code` (the customer's data accessor uses IAM Identity Center sign-in). Returns the customer's Identity Center `/authorize` URL for this user, with a single-use `state` bound to the tenant, the user and this client, and PKCE S256; it works for 10 minutes. Send the user's browser there: after sign-in and consent Identity Center redirects to this service's `/idc/callback`, which must be reached in a browser signed in here as the same user, and then to `returnUrl` with `idc_connect=ok`, or `idc_connect=error&code=<code>`. Searches for the user then work; `connect_required` means connect (again).",
      tenant: true,
      body: ['ConnectRequest', examples.connectRequest, 'The user to connect and where their browser goes afterwards.'],
      ok: [200, 'The Identity Center sign-in URL', 'ConnectResponse', examples.connectResponse],
      errors: CONNECT_ERRORS,
    }),
    listTenants: operation({
      id: 'listTenants',
      tag: 'Tenants',
      admin: true,
      summary: 'List tenants',
      description: 'Every tenant the calling client may administer, with its status and the data-accessor details still missing.',
      ok: [200, 'The tenants the client may administer', 'TenantList', examples.tenantList],
      errors: AUTH_ERRORS,
    }),
    createTenant: operation({
      id: 'createTenant',
      tag: 'Tenants',
      admin: true,
      summary: 'Create a tenant',
      description:
        "Registers a customer. `id` and `name` are required; the tenant stays `pending` until every data-accessor detail is set, then becomes `active`. The id must be one of the client's allowed tenants (or the client global, `*`).",
      body: tenantBody(examples.tenantCreate, 'The new tenant; field errors name each bad field and the expected format.'),
      ok: [
        201,
        'Created',
        'Tenant',
        examples.tenant,
        { Location: { description: 'URL of the new tenant.', schema: { type: 'string' }, example: '/api/v1/admin/tenants/acme' } },
      ],
      errors: [...ADMIN_ERRORS, ...BODY_ERRORS, 'tenant_exists'],
    }),
    getTenant: operation({
      id: 'getTenant',
      tag: 'Tenants',
      admin: true,
      tenant: true,
      summary: 'Show a tenant',
      description: 'The tenant with its status and `missingDetails`.',
      ok: [200, 'The tenant', 'Tenant', examples.tenant],
      errors: NAMED_TENANT,
    }),
    updateTenant: operation({
      id: 'updateTenant',
      tag: 'Tenants',
      admin: true,
      tenant: true,
      summary: 'Update a tenant',
      description:
        'Sets the fields sent and leaves the others. An empty string or `null` clears a detail; `id` cannot change. The status follows: `active` once every detail is set, `pending` while one is missing (a disabled tenant stays disabled). Cached sessions of the tenant are dropped.',
      body: tenantBody(examples.tenantUpdate, 'The fields to change.'),
      ok: [200, 'Updated', 'Tenant', examples.tenant],
      errors: [...NAMED_TENANT, ...BODY_ERRORS],
    }),
    disableTenant: operation({
      id: 'disableTenant',
      tag: 'Tenants',
      admin: true,
      tenant: true,
      summary: 'Disable a tenant',
      description: 'Refuses further searches for the tenant (403 `tenant_not_active`) and drops its cached sessions at once.',
      ok: [200, 'Disabled', 'Tenant', examples.disabledTenant],
      errors: NAMED_TENANT,
    }),
    enableTenant: operation({
      id: 'enableTenant',
      tag: 'Tenants',
      admin: true,
      tenant: true,
      summary: 'Enable a tenant',
      description: 'Re-enables a disabled tenant: `active`, or `pending` while details are missing.',
      ok: [200, 'Enabled', 'Tenant', examples.tenant],
      errors: NAMED_TENANT,
    }),
    checkTenant: operation({
      id: 'checkTenant',
      tag: 'Support',
      admin: true,
      tenant: true,
      summary: "Check a tenant's setup for a user",
      description:
        'A dry run for support: runs every step of the exchange and a one-result search for the named user, bypassing the credential cache, and reports each step (`tenant`, `user`, `assume_role`, `mint_assertion`, `create_token`, `assume_role_context`, `search`) with its latency, AWS request id and, for the failing step, the error code and text. A failing step is a 200 with `ok: false`.',
      body: ['CheckRequest', examples.checkRequest, 'The user to check, by email or by id.'],
      ok: [200, 'Step-by-step report', 'CheckReport', examples.checkReport],
      errors: [...NAMED_TENANT, ...BODY_ERRORS],
    }),
    createOnboardingLink: operation({
      id: 'createOnboardingLink',
      tag: 'Tenants',
      admin: true,
      tenant: true,
      summary: 'Create a self-service onboarding link',
      description:
        'A signed, expiring link for the customer\'s administrator. It opens a page where they enter the five details from the data accessor\'s "Information for data accessor" tab and run the live check; the tenant turns active when it passes. Links work only while the tenant is `pending` (409 `tenant_not_pending` otherwise). The body is optional.',
      body: ['OnboardingLinkRequest', examples.onboardingLinkRequest, 'How long the link works (optional).', false],
      ok: [201, 'The link', 'OnboardingLink', examples.onboardingLink],
      errors: [...NAMED_TENANT, ...BODY_ERRORS, 'tenant_not_pending'],
    }),
    listUpstreams: operation({
      id: 'listUpstreams',
      tag: 'Identity providers',
      admin: true,
      summary: 'List upstream identity providers',
      description:
        "The upstreams whose tenants are all among the caller's allowed tenants (all with `*`), never their client secrets (`hasClientSecret` says whether one is set).",
      ok: [200, 'The upstreams', 'UpstreamList', examples.upstreamList],
      errors: ADMIN_ERRORS,
    }),
    createUpstream: operation({
      id: 'createUpstream',
      tag: 'Identity providers',
      admin: true,
      summary: 'Add an upstream identity provider',
      description:
        "Connects an OpenID Provider: `id`, `displayName`, `issuer` and `tenants` are required, and `clientId` (federated sign-in; register `<issuer of this service>/interaction/upstream/callback` as its redirect URI) and/or `tokenAudience` (trusted external issuer). Every tenant must be among the caller's allowed tenants. The client secret is stored encrypted and never returned.",
      body: ['UpstreamInput', examples.upstreamCreate, 'The new upstream; field errors name each bad field.'],
      ok: [
        201,
        'Created',
        'Upstream',
        examples.upstream,
        { Location: { description: 'URL of the new upstream.', schema: { type: 'string' }, example: '/api/v1/admin/upstreams/acme-okta' } },
      ],
      errors: [...ADMIN_ERRORS, ...BODY_ERRORS, 'upstream_exists', 'global_admin_required'],
    }),
    getUpstream: operation({
      id: 'getUpstream',
      tag: 'Identity providers',
      admin: true,
      summary: 'Show an upstream identity provider',
      description: "The upstream's settings, without its client secret. One serving a tenant outside the caller's allowed tenants answers 404, as if missing.",
      params: [upstreamParam],
      ok: [200, 'The upstream', 'Upstream', examples.upstream],
      errors: [...ADMIN_ERRORS, 'upstream_not_found'],
    }),
    updateUpstream: operation({
      id: 'updateUpstream',
      tag: 'Identity providers',
      admin: true,
      summary: 'Update an upstream identity provider',
      description:
        "Sets the fields sent and leaves the others; `null` clears a nullable field (`clientSecret: null` makes it a public client). `id` cannot change; new tenants must be among the caller's allowed tenants.",
      params: [upstreamParam],
      body: ['UpstreamInput', examples.upstreamUpdate, 'The fields to change.'],
      ok: [200, 'Updated', 'Upstream', examples.upstream],
      errors: [...ADMIN_ERRORS, ...BODY_ERRORS, 'upstream_not_found', 'global_admin_required'],
    }),
    listAudit: operation({
      id: 'listAudit',
      tag: 'Support',
      admin: true,
      summary: 'List audit events',
      description:
        "Exchanges, searches and setup checks, newest first, for the caller's tenants only (events with no tenant only for global admins). Pass `nextCursor` as `before` for older events.",
      params: auditParams(),
      ok: [200, 'One page of events', 'AuditPage', examples.auditPage],
      errors: [...ADMIN_ERRORS, 'validation_failed'],
    }),
  };
  const emailParam = {
    name: 'email',
    in: 'path',
    required: true,
    description: "The user's email address (case-insensitive).",
    schema: { type: 'string', maxLength: 320 },
    example: 'alice@acme.example',
  };
  const clientParam = {
    name: 'clientId',
    in: 'path',
    required: true,
    description: "The client's id.",
    schema: { type: 'string', maxLength: 128 },
    example: 'svc-reporting',
  };
  const userParams = [
    {
      name: 'email',
      in: 'query',
      required: false,
      description: 'Only users whose email contains this text.',
      schema: { type: 'string' },
      example: 'acme.example',
    },
    {
      name: 'after',
      in: 'query',
      required: false,
      description: 'The `nextCursor` of the previous page.',
      schema: { type: 'string' },
      example: 'alice@acme.example',
    },
    {
      name: 'limit',
      in: 'query',
      required: false,
      description: 'Users per page, 1-500 (default 100).',
      schema: { type: 'string', pattern: '^\\d+$' },
      example: '100',
    },
  ];
  const user = {
    id: '3f0c9d7e-2b1a-4c5d-8e9f-0a1b2c3d4e5f',
    tenantId: 'acme',
    email: 'alice@acme.example',
    emailVerified: true,
    name: 'Alice',
    groups: ['engineering'],
    disabled: false,
    hasPassword: true,
    lastLoginAt: null,
    createdAt: '2026-01-05T09:30:00.000Z',
    updatedAt: '2026-01-05T09:30:00.000Z',
  };
  const client = {
    clientId: 'svc-reporting',
    name: 'Reporting backend',
    kind: 'service',
    firstParty: false,
    allowedTenants: ['acme'],
    scopes: ['search'],
    redirectUris: [],
    postLogoutRedirectUris: [],
    previousSecretExpiresAt: null,
    createdAt: '2026-01-05T09:30:00.000Z',
  };
  const key = { kid: 'k-2026-01', use: 'sig', alg: 'RS256', state: 'pending', activatesAt: '2026-01-05T10:30:00.000Z', retiredAt: null, expiresAt: null };
  const ex = (summary: string, value: unknown): Examples => ({ example: { summary, value } });
  const USER_ERRORS: ErrorCode[] = [...NAMED_TENANT, 'user_not_found'];
  const GLOBAL: ErrorCode[] = [...AUTH_ERRORS, 'global_admin_required'];
  const userAction = (id: string, summary: string, description: string, schema = 'User', value: unknown = user, body?: Op['body']) =>
    operation({
      id,
      tag: 'Users',
      admin: true,
      tenant: true,
      params: [emailParam],
      summary,
      description,
      body,
      ok: [200, summary, schema, ex(summary, value)],
      errors: [...USER_ERRORS, ...(body ? BODY_ERRORS : [])],
    });
  const identity = {
    listUsers: operation({
      id: 'listUsers',
      tag: 'Users',
      admin: true,
      tenant: true,
      params: userParams,
      summary: "List a tenant's users",
      description: "The tenant's users by email, one page at a time (never password hashes). Pass `nextCursor` as `after` for the next page.",
      ok: [200, 'One page of users', 'UserPage', ex('A page', { users: [user], nextCursor: null })],
      errors: [...NAMED_TENANT, 'validation_failed'],
    }),
    createUser: operation({
      id: 'createUser',
      tag: 'Users',
      admin: true,
      tenant: true,
      summary: 'Add a user',
      description: 'Adds a user to the tenant. Without a password the user cannot sign in until one is set (reset-password).',
      body: ['UserInput', ex('A user', { email: 'alice@acme.example', name: 'Alice', groups: ['engineering'] }), 'The new user.'],
      ok: [201, 'Created', 'User', ex('The user', user)],
      errors: [...NAMED_TENANT, ...BODY_ERRORS, 'user_exists'],
    }),
    getUser: userAction('getUser', 'Show a user', 'The user with its status (never the password hash).'),
    disableUser: userAction('disableUser', 'Disable a user', "No more sign-ins or new tokens; the broker drops the user's cached sessions.", 'User', {
      ...user,
      disabled: true,
    }),
    enableUser: userAction('enableUser', 'Enable a user', 'Re-enables a disabled user.'),
    unlockUser: userAction(
      'unlockUser',
      'Unlock a user',
      "Clears the account's login lock and failure count after too many failed sign-ins (per-IP counters stay). `wasLocked` says whether a lock was in force.",
      'UnlockResult',
      { user, wasLocked: true },
    ),
    resetUserPassword: userAction(
      'resetUserPassword',
      "Reset a user's password",
      "Sets the password sent, or generates one returned once as `generatedPassword` when the body is `{}`; clears the account's lock.",
      'ResetPasswordResult',
      { user, generatedPassword: 'Xq3v9r2LkP0sT7wY1zB4nM6c' },
      ['ResetPasswordRequest', ex('Generate one', {}), 'The new password, or none to generate one.'],
    ),
    getUserMfa: userAction(
      'getUserMfa',
      "Show a user's second factor",
      'Whether the user has a confirmed authenticator app, and how many recovery codes are left.',
      'MfaStatus',
      { enrolled: true, recoveryCodesLeft: 9 },
    ),
    resetUserMfa: userAction(
      'resetUserMfa',
      "Reset a user's second factor",
      "Removes the user's authenticator and recovery codes (lost phone); they enrol again at their next sign-in when the tenant's MFA policy asks for it. `reset` says whether one was set up.",
      'MfaResetResult',
      { email: 'alice@acme.example', tenantId: 'acme', reset: true },
    ),
    listClients: operation({
      id: 'listClients',
      tag: 'Clients',
      admin: true,
      summary: 'List clients',
      description:
        'OAuth clients with kind, allowed tenants, scopes and redirect URIs, never secrets. A tenant-limited admin sees only clients whose allowed tenants are all among its own.',
      ok: [200, 'The clients', 'ClientList', ex('Clients', { clients: [client] })],
      errors: AUTH_ERRORS,
    }),
    createClient: operation({
      id: 'createClient',
      tag: 'Clients',
      admin: true,
      summary: 'Register a client',
      description:
        'Registers a web, native, service or data-accessor client. The secret of a web or service client is in this response only. Needs a global admin.',
      body: [
        'ClientInput',
        ex('A service client', { name: 'Reporting backend', kind: 'service', allowedTenants: ['acme'], scopes: ['search'] }),
        'The new client.',
      ],
      ok: [201, 'Created', 'ClientWithSecret', ex('The client and its secret', { ...client, clientSecret: 'kQ3f8Zp1vW6yT2nR9sL4xC7bM0aE5dH8jG1uI3oY6tQ' })],
      errors: [...GLOBAL, ...BODY_ERRORS, 'client_exists', 'data_accessor_client_exists'],
    }),
    getClient: operation({
      id: 'getClient',
      tag: 'Clients',
      admin: true,
      params: [clientParam],
      summary: 'Show a client',
      description: 'One client, never its secret. A client a tenant-limited admin may not see answers 404 like a missing one.',
      ok: [200, 'The client', 'Client', ex('A client', client)],
      errors: [...AUTH_ERRORS, 'client_not_found'],
    }),
    updateClient: operation({
      id: 'updateClient',
      tag: 'Clients',
      admin: true,
      params: [clientParam],
      summary: 'Update a client',
      description:
        'Changes the name, allowed tenants and scopes (service clients) or redirect URIs (web and native clients); the id and secret stay. Needs a global admin.',
      body: ['ClientPatch', ex('Give it another tenant', { allowedTenants: ['acme', 'globex'] }), 'The fields to change.'],
      ok: [200, 'Updated', 'Client', ex('The client', { ...client, allowedTenants: ['acme', 'globex'] })],
      errors: [...GLOBAL, ...BODY_ERRORS, 'client_not_found'],
    }),
    deleteClient: {
      ...operation({
        id: 'deleteClient',
        tag: 'Clients',
        admin: true,
        params: [clientParam],
        summary: 'Remove a client',
        description: 'Deletes the client; its tokens stop working. A client cannot remove itself. Needs a global admin.',
        ok: [200, 'unused', 'Client', {}],
        errors: [...GLOBAL, 'client_not_found', 'cannot_remove_self'],
      }),
    },
    rotateClientSecret: operation({
      id: 'rotateClientSecret',
      tag: 'Clients',
      admin: true,
      params: [clientParam],
      summary: "Rotate a client's secret",
      description:
        'Issues a new secret, returned once. The old one keeps working until `previousSecretExpiresAt` (`overlapSeconds`, at most a week; 0 ends it at once, as does a later rotation). Needs a global admin.',
      body: ['RotateSecretRequest', ex('An hour of overlap', { overlapSeconds: 3600 }), 'How long the old secret keeps working.'],
      ok: [
        200,
        'The new secret',
        'RotatedSecret',
        ex('The new secret', {
          clientId: 'svc-reporting',
          clientSecret: 'kQ3f8Zp1vW6yT2nR9sL4xC7bM0aE5dH8jG1uI3oY6tQ',
          previousSecretExpiresAt: '2026-01-05T10:30:00.000Z',
        }),
      ],
      errors: [...GLOBAL, ...BODY_ERRORS, 'client_not_found', 'client_has_no_secret', 'conflict'],
    }),
    listKeys: operation({
      id: 'listKeys',
      tag: 'Keys',
      admin: true,
      summary: 'List keys',
      description: 'Signing and cookie keys with their state and dates (public parts only). Needs a global admin.',
      ok: [200, 'The keys', 'KeyList', ex('Keys', { keys: [key] })],
      errors: GLOBAL,
    }),
    rotateKey: operation({
      id: 'rotateKey',
      tag: 'Keys',
      admin: true,
      summary: 'Rotate a key',
      description:
        'Creates a new key: published at once, signing after KEY_ACTIVATION_DELAY; the old one stays published until what it signed has expired. Needs a global admin.',
      body: ['KeyRotateRequest', ex('A signing key', { use: 'sig' }), 'Which key to rotate.'],
      ok: [201, 'The new key', 'Key', ex('The new key', key)],
      errors: [...GLOBAL, ...BODY_ERRORS],
    }),
  };
  // DELETE answers 204 without a body.
  const del = identity.deleteClient as { responses: Record<string, unknown> };
  const { 200: _unused, ...deleteErrors } = del.responses;
  del.responses = { 204: { description: 'Removed' }, ...deleteErrors };
  return {
    openapi: '3.1.0',
    info: {
      title: 'tti-bridge broker API',
      version: '1.0.0',
      summary: "Search customers' Amazon Q Business indexes as their users (data accessor with a trusted token issuer).",
      description:
        "Search a customer's Amazon Q Business index as one of their users, through the customer's data accessor, and administer tenants. Authenticate with a client-credentials access token from this provider (`serviceToken`). Errors are RFC 9457 `application/problem+json` with a stable `code`; docs/broker.md lists them all. This document is served, without authentication, at `/api/v1/openapi.json` and rendered at `/api/v1/docs`.",
      license: { name: 'Apache 2.0', identifier: 'Apache-2.0' },
    },
    servers: serverUrl ? [{ url: serverUrl, description: 'This service (its issuer URL)' }] : undefined,
    tags: TAGS,
    paths: {
      '/api/v1/tenants/{tenantId}/search': { post: ops.search },
      '/api/v1/tenants/{tenantId}/connect': { post: ops.connect },
      '/api/v1/admin/tenants': { get: ops.listTenants, post: ops.createTenant },
      '/api/v1/admin/tenants/{tenantId}': { get: ops.getTenant, patch: ops.updateTenant },
      '/api/v1/admin/tenants/{tenantId}/disable': { post: ops.disableTenant },
      '/api/v1/admin/tenants/{tenantId}/enable': { post: ops.enableTenant },
      '/api/v1/admin/tenants/{tenantId}/check': { post: ops.checkTenant },
      '/api/v1/admin/tenants/{tenantId}/onboarding-link': { post: ops.createOnboardingLink },
      '/api/v1/admin/audit': { get: ops.listAudit },
      '/api/v1/admin/tenants/{tenantId}/users': { get: identity.listUsers, post: identity.createUser },
      '/api/v1/admin/tenants/{tenantId}/users/{email}': { get: identity.getUser },
      '/api/v1/admin/tenants/{tenantId}/users/{email}/disable': { post: identity.disableUser },
      '/api/v1/admin/tenants/{tenantId}/users/{email}/enable': { post: identity.enableUser },
      '/api/v1/admin/tenants/{tenantId}/users/{email}/unlock': { post: identity.unlockUser },
      '/api/v1/admin/tenants/{tenantId}/users/{email}/reset-password': { post: identity.resetUserPassword },
      '/api/v1/admin/tenants/{tenantId}/users/{email}/mfa': { get: identity.getUserMfa },
      '/api/v1/admin/tenants/{tenantId}/users/{email}/reset-mfa': { post: identity.resetUserMfa },
      '/api/v1/admin/clients': { get: identity.listClients, post: identity.createClient },
      '/api/v1/admin/clients/{clientId}': { get: identity.getClient, patch: identity.updateClient, delete: identity.deleteClient },
      '/api/v1/admin/clients/{clientId}/rotate-secret': { post: identity.rotateClientSecret },
      '/api/v1/admin/keys': { get: identity.listKeys },
      '/api/v1/admin/keys/rotate': { post: identity.rotateKey },
      '/api/v1/admin/upstreams': { get: ops.listUpstreams, post: ops.createUpstream },
      '/api/v1/admin/upstreams/{upstreamId}': {
        get: ops.getUpstream,
        patch: ops.updateUpstream,
        delete: {
          operationId: 'deleteUpstream',
          tags: ['Identity providers'],
          summary: 'Remove an upstream identity provider',
          description: 'Deletes the upstream and its identity links; the users it created stay (without that sign-in). Its tokens are refused from then on.',
          security: [{ serviceToken: ['admin'] }],
          parameters: [upstreamParam],
          responses: { 204: { description: 'Removed' }, ...problemResponses([...ADMIN_ERRORS, 'upstream_not_found']) },
        },
      },
    },
    components: {
      securitySchemes: {
        serviceToken: {
          type: 'oauth2',
          description: `An access token from this provider's token endpoint (client credentials grant, \`resource\` = the broker audience, BROKER_AUDIENCE, default \`<issuer>/api\`), sent as \`Authorization: Bearer <token>\`. Create the service client with \`tti-bridge clients add --kind service --name <name> --allowed-tenant <tenant> --scope search\`; its allowed tenants limit every call, admin included.`,
          flows: {
            clientCredentials: {
              tokenUrl,
              scopes: {
                search: "Search for the client's allowed tenants",
                admin: "Administer the client's allowed tenants, run setup checks, read their audit trail",
              },
            },
          },
        },
      },
      schemas: { ...requestSchemas(), ...responseSchemas },
    },
  };
}
