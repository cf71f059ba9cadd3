// The OpenAPI 3.1 description of the broker API, served at /api/v1/openapi.json.
// Request bodies come from the zod schemas that validate them.
import { z } from 'zod';
import { TENANT_ID } from '../../tenants/validate.js';
import { attributeFilterSchema, auditQuerySchema, checkBodySchema, connectBodySchema, onboardingLinkBodySchema, searchBodySchema } from './schemas.js';
import { responseSchemas } from './openapi-responses.js';

function requestSchemas(): Record<string, unknown> {
  const reg = z.registry<{ id: string }>();
  reg.add(searchBodySchema, { id: 'SearchRequest' });
  reg.add(attributeFilterSchema, { id: 'AttributeFilter' });
  reg.add(checkBodySchema, { id: 'CheckRequest' });
  reg.add(connectBodySchema, { id: 'ConnectRequest' });
  reg.add(onboardingLinkBodySchema, { id: 'OnboardingLinkRequest' });
  const { schemas } = z.toJSONSchema(reg, { io: 'input', uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, s]) => {
    const { $schema: _s, $id: _i, ...rest } = s as Record<string, unknown>;
    return [id, rest];
  }));
}

const json = (ref: string) => ({ content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
/** Every status the API answers with a problem document. */
const ERROR_STATUSES = [400, 401, 403, 404, 409, 413, 415, 429, 502, 503];
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), { $ref: `#/components/responses/E${c}` }]));
const tenantParam = { name: 'tenantId', in: 'path', required: true, schema: { type: 'string', pattern: TENANT_ID.source } };
const auditParams = Object.keys(auditQuerySchema.shape).map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } }));
const admin = [{ serviceToken: ['admin'] }];

export function buildOpenApi(serverUrl?: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'tti-bridge broker API',
      version: '1.0.0',
      description: 'Search a customer\'s Amazon Q Business index as one of their users, through the customer\'s data accessor. Errors are RFC 9457 problem+json with a stable `code`; see docs/broker.md.',
    },
    servers: serverUrl ? [{ url: serverUrl }] : undefined,
    security: [{ serviceToken: ['search'] }],
    paths: {
      '/api/v1/tenants/{tenantId}/search': {
        post: {
          operationId: 'search', summary: 'Search as a user of the tenant', parameters: [tenantParam],
          requestBody: { required: true, ...json('SearchRequest') },
          responses: { 200: { description: 'One page of results', ...json('SearchResponse') }, ...errors(...ERROR_STATUSES) },
        },
      },
      '/api/v1/tenants/{tenantId}/connect': {
        post: {
          operationId: 'connect', summary: 'Connect URL for a user of an authorization-code tenant (Identity Center sign-in and consent)', parameters: [tenantParam],
          description: 'Send the user\'s browser to authorizeUrl. After sign-in and consent Identity Center redirects to this service\'s /idc/callback, which must be completed in a browser signed in here as the same user, and then to returnUrl. The URL is single-use and expires at expiresAt.',
          requestBody: { required: true, ...json('ConnectRequest') },
          responses: { 200: { description: 'The Identity Center authorize URL', ...json('ConnectResponse') }, ...errors(400, 401, 403, 404, 409, 413, 415, 503) },
        },
      },
      '/api/v1/admin/tenants': {
        get: { operationId: 'listTenants', security: admin, responses: { 200: { description: 'The tenants the client may administer (all with `*`)', content: { 'application/json': { schema: { type: 'object', properties: { tenants: { type: 'array', items: { $ref: '#/components/schemas/Tenant' } } } } } } }, ...errors(401, 403) } },
        post: { operationId: 'createTenant', security: admin, requestBody: { required: true, ...json('TenantInput') }, responses: { 201: { description: 'Created', ...json('Tenant') }, ...errors(400, 401, 403, 409) } },
      },
      '/api/v1/admin/tenants/{tenantId}': {
        get: { operationId: 'getTenant', security: admin, parameters: [tenantParam], responses: { 200: { description: 'The tenant', ...json('Tenant') }, ...errors(401, 403, 404) } },
        patch: { operationId: 'updateTenant', security: admin, parameters: [tenantParam], requestBody: { required: true, ...json('TenantInput') }, responses: { 200: { description: 'Updated', ...json('Tenant') }, ...errors(400, 401, 403, 404) } },
      },
      '/api/v1/admin/tenants/{tenantId}/disable': { post: { operationId: 'disableTenant', security: admin, parameters: [tenantParam], responses: { 200: { description: 'Disabled; cached sessions dropped', ...json('Tenant') }, ...errors(401, 403, 404) } } },
      '/api/v1/admin/tenants/{tenantId}/enable': { post: { operationId: 'enableTenant', security: admin, parameters: [tenantParam], responses: { 200: { description: 'Enabled (active, or pending while details are missing)', ...json('Tenant') }, ...errors(401, 403, 404) } } },
      '/api/v1/admin/tenants/{tenantId}/check': {
        post: {
          operationId: 'checkTenant', summary: 'Dry-run exchange and search for a named user; reports the failing step', security: admin, parameters: [tenantParam],
          requestBody: { required: true, ...json('CheckRequest') }, responses: { 200: { description: 'Step-by-step report (ok=false names the failed step)', ...json('CheckReport') }, ...errors(400, 401, 403) },
        },
      },
      '/api/v1/admin/tenants/{tenantId}/onboarding-link': {
        post: {
          operationId: 'createOnboardingLink', summary: 'A signed, expiring self-service link for the customer\'s administrator', security: admin, parameters: [tenantParam],
          description: 'The link opens a page where the customer enters the five details from the data accessor\'s "Information for data accessor" tab and runs the live check; the tenant turns active when it passes. Links work only while the tenant is pending.',
          requestBody: { required: false, ...json('OnboardingLinkRequest') },
          responses: { 201: { description: 'The link', content: { 'application/json': { schema: { type: 'object', required: ['tenantId', 'url', 'expiresAt'], properties: { tenantId: { type: 'string' }, url: { type: 'string', format: 'uri' }, expiresAt: { type: 'string', format: 'date-time' } } } } } }, ...errors(400, 401, 403, 404, 409) },
        },
      },
      '/api/v1/admin/audit': { get: { operationId: 'listAudit', security: admin, parameters: auditParams, responses: { 200: { description: 'Events, newest first', ...json('AuditPage') }, ...errors(400, 401, 403) } } },
      '/api/v1/openapi.json': { get: { operationId: 'openapi', security: [], responses: { 200: { description: 'This document' } } } },
    },
    components: {
      securitySchemes: {
        serviceToken: { type: 'oauth2', description: 'Client-credentials access token from this provider for the broker audience.', flows: { clientCredentials: { tokenUrl: '/token', scopes: { search: 'Search for allowed tenants', admin: 'Administer tenants, read the audit trail, run setup checks' } } } },
      },
      schemas: { ...requestSchemas(), ...responseSchemas },
      responses: Object.fromEntries(ERROR_STATUSES.map((c) => [`E${c}`, problem(`See docs/broker.md for the codes with status ${c}`)])),
    },
  };
}
