// The OpenAPI 3.1 description of the broker API, served at /api/v1/openapi.json.
// Request bodies come from the zod schemas that validate them.
import { z } from 'zod';
import { TENANT_ID } from '../../tenants/validate.js';
import {
  attributeFilterSchema, auditQuerySchema, checkBodySchema, clientCreateSchema, clientPatchSchema, keyRotateSchema, onboardingLinkBodySchema,
  resetPasswordSchema, rotateSecretSchema, searchBodySchema, userCreateSchema, userListQuerySchema,
} from './schemas.js';
import { responseSchemas } from './openapi-responses.js';

function requestSchemas(): Record<string, unknown> {
  const reg = z.registry<{ id: string }>();
  reg.add(searchBodySchema, { id: 'SearchRequest' });
  reg.add(attributeFilterSchema, { id: 'AttributeFilter' });
  reg.add(checkBodySchema, { id: 'CheckRequest' });
  reg.add(onboardingLinkBodySchema, { id: 'OnboardingLinkRequest' });
  reg.add(userCreateSchema, { id: 'UserInput' });
  reg.add(resetPasswordSchema, { id: 'ResetPasswordRequest' });
  reg.add(clientCreateSchema, { id: 'ClientInput' });
  reg.add(clientPatchSchema, { id: 'ClientPatch' });
  reg.add(rotateSecretSchema, { id: 'RotateSecretRequest' });
  reg.add(keyRotateSchema, { id: 'KeyRotateRequest' });
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
const emailParam = { name: 'email', in: 'path', required: true, schema: { type: 'string' }, description: 'The user\'s email address (case-insensitive)' };
const clientParam = { name: 'clientId', in: 'path', required: true, schema: { type: 'string' } };
const userListParams = Object.keys(userListQuerySchema.shape).map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } }));
const userAction = (operationId: string, summary: string, description: string, body?: string, ref = 'User') => ({
  post: {
    operationId, summary, tags: ['Users'], security: admin, parameters: [tenantParam, emailParam],
    ...(body ? { requestBody: { required: true, ...json(body) } } : {}),
    responses: { 200: { description, ...json(ref) }, ...errors(400, 401, 403, 404) },
  },
});
const globalOnly = 'Needs a global admin (allowed tenants `*`).';

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
      '/api/v1/admin/tenants/{tenantId}/users': {
        get: { operationId: 'listUsers', summary: 'List a tenant\'s users, paged by email', tags: ['Users'], security: admin, parameters: [tenantParam, ...userListParams], responses: { 200: { description: 'One page of users', ...json('UserPage') }, ...errors(400, 401, 403, 404) } },
        post: { operationId: 'createUser', summary: 'Add a user to a tenant', tags: ['Users'], security: admin, parameters: [tenantParam], requestBody: { required: true, ...json('UserInput') }, responses: { 201: { description: 'Created', ...json('User') }, ...errors(400, 401, 403, 404, 409) } },
      },
      '/api/v1/admin/tenants/{tenantId}/users/{email}': {
        get: { operationId: 'getUser', summary: 'Show a user', tags: ['Users'], security: admin, parameters: [tenantParam, emailParam], responses: { 200: { description: 'The user', ...json('User') }, ...errors(401, 403, 404) } },
      },
      '/api/v1/admin/tenants/{tenantId}/users/{email}/disable': userAction('disableUser', 'Disable a user: no logins, no new tokens, cached sessions dropped', 'Disabled'),
      '/api/v1/admin/tenants/{tenantId}/users/{email}/enable': userAction('enableUser', 'Enable a disabled user', 'Enabled'),
      '/api/v1/admin/tenants/{tenantId}/users/{email}/unlock': userAction('unlockUser', 'Clear the account\'s login lock and failure count', 'Unlocked; wasLocked says whether a lock was in force', undefined, 'UnlockResult'),
      '/api/v1/admin/tenants/{tenantId}/users/{email}/reset-password': userAction('resetUserPassword', 'Set a new password (or generate one, returned once) and clear the lock', 'Password set', 'ResetPasswordRequest', 'ResetPasswordResult'),
      '/api/v1/admin/clients': {
        get: { operationId: 'listClients', summary: 'List OAuth clients (never their secrets)', description: 'A tenant-limited admin sees only clients whose allowed tenants are all among its own.', tags: ['Clients'], security: admin, responses: { 200: { description: 'The clients', content: { 'application/json': { schema: { type: 'object', properties: { clients: { type: 'array', items: { $ref: '#/components/schemas/Client' } } } } } } }, ...errors(401, 403) } },
        post: { operationId: 'createClient', summary: 'Register a client; its secret, if any, is in this response only', description: globalOnly, tags: ['Clients'], security: admin, requestBody: { required: true, ...json('ClientInput') }, responses: { 201: { description: 'Created', ...json('ClientWithSecret') }, ...errors(400, 401, 403, 409) } },
      },
      '/api/v1/admin/clients/{clientId}': {
        get: { operationId: 'getClient', summary: 'Show a client', tags: ['Clients'], security: admin, parameters: [clientParam], responses: { 200: { description: 'The client', ...json('Client') }, ...errors(401, 403, 404) } },
        patch: { operationId: 'updateClient', summary: 'Change a client\'s name, allowed tenants, scopes or redirect URIs', description: globalOnly, tags: ['Clients'], security: admin, parameters: [clientParam], requestBody: { required: true, ...json('ClientPatch') }, responses: { 200: { description: 'Updated', ...json('Client') }, ...errors(400, 401, 403, 404) } },
        delete: { operationId: 'deleteClient', summary: 'Remove a client; its tokens stop working', description: globalOnly, tags: ['Clients'], security: admin, parameters: [clientParam], responses: { 204: { description: 'Removed' }, ...errors(401, 403, 404, 409) } },
      },
      '/api/v1/admin/clients/{clientId}/rotate-secret': {
        post: { operationId: 'rotateClientSecret', summary: 'Issue a new secret; the old one works for overlapSeconds more', description: globalOnly, tags: ['Clients'], security: admin, parameters: [clientParam], requestBody: { required: true, ...json('RotateSecretRequest') }, responses: { 200: { description: 'The new secret (shown once)', ...json('RotatedSecret') }, ...errors(400, 401, 403, 404, 409) } },
      },
      '/api/v1/admin/keys': {
        get: { operationId: 'listKeys', summary: 'List signing and cookie keys (public parts only)', description: globalOnly, tags: ['Keys'], security: admin, responses: { 200: { description: 'The keys', content: { 'application/json': { schema: { type: 'object', properties: { keys: { type: 'array', items: { $ref: '#/components/schemas/Key' } } } } } } }, ...errors(401, 403) } },
      },
      '/api/v1/admin/keys/rotate': {
        post: { operationId: 'rotateKey', summary: 'Create a new key: published now, signing after KEY_ACTIVATION_DELAY', description: globalOnly, tags: ['Keys'], security: admin, requestBody: { required: true, ...json('KeyRotateRequest') }, responses: { 201: { description: 'The new key', ...json('Key') }, ...errors(400, 401, 403) } },
      },
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
