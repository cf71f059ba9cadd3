// Response and admin-input schemas of the OpenAPI document (JSON Schema 2020-12).
// The tenant input follows the tenant service's own rules (src/tenants/validate.ts).
import { FLAGS, STRING_DETAILS, TENANT_ID, TENANT_ID_MAX } from '../../tenants/validate.js';
import { BROKER_API_CODES, SETUP_CHECK_CODES } from '../../shared/error-codes.js';

const str = { type: 'string' };
const nstr = { type: ['string', 'null'] };
const cause = {
  type: 'object', description: 'A candidate cause of an AWS refusal that does not say which check failed.',
  properties: { check: str, sent: { ...str, description: 'The value we sent' }, mustHold: { ...str, description: 'What the customer\'s side must hold for it' } },
};
const attribute = { type: 'object', properties: { name: str, value: { type: 'object', description: 'One of stringValue, stringListValue, longValue, dateValue (ISO 8601)' } } };

export const responseSchemas: Record<string, unknown> = {
  SearchResponse: {
    type: 'object', required: ['results', 'nextToken'],
    properties: {
      results: { type: 'array', items: { $ref: '#/components/schemas/SearchResult' } },
      nextToken: { ...nstr, description: 'Pass as nextToken for the next page; null on the last page.' },
    },
  },
  SearchResult: {
    type: 'object',
    properties: {
      content: nstr, documentId: nstr, title: nstr, uri: nstr,
      attributes: { type: 'array', items: attribute },
      confidence: { type: ['string', 'null'], enum: ['VERY_HIGH', 'HIGH', 'MEDIUM', 'LOW', 'NOT_AVAILABLE', null] },
    },
  },
  Problem: {
    type: 'object', required: ['type', 'title', 'status', 'detail', 'code'],
    properties: {
      type: str, title: str, status: { type: 'integer' }, detail: str, instance: str,
      code: { ...str, enum: [...BROKER_API_CODES], description: 'Stable error code (docs/broker.md)' },
      errors: { type: 'array', items: { type: 'object', properties: { field: str, message: str } } },
      step: { ...str, description: 'Exchange step that failed: assume_role, create_token, assume_role_context, search' },
      awsError: str, awsRequestId: str, reason: str, retryAfter: { type: 'integer' },
      causes: { type: 'array', items: cause },
    },
  },
  TenantInput: {
    type: 'object', description: 'id and name are required on create; id cannot change. Empty string or null clears a detail.',
    properties: {
      id: { type: 'string', pattern: TENANT_ID.source, maxLength: TENANT_ID_MAX }, name: { type: 'string', maxLength: 256 },
      ...Object.fromEntries(STRING_DETAILS.map((field) => [field, nstr])),
      ...Object.fromEntries(FLAGS.map((field) => [field, { type: 'boolean' }])),
    },
  },
  Tenant: {
    allOf: [{ $ref: '#/components/schemas/TenantInput' }],
    properties: { status: { enum: ['pending', 'active', 'disabled'] }, missingDetails: { type: 'array', items: str }, createdAt: str, updatedAt: str },
  },
  CheckReport: {
    type: 'object',
    properties: {
      tenantId: str, userId: nstr, ok: { type: 'boolean' }, failedStep: nstr,
      steps: { type: 'array', items: { type: 'object', properties: { step: str, ok: { type: 'boolean' }, latencyMs: { type: 'number' }, requestId: str, error: {
        type: 'object', properties: {
          code: { ...str, enum: [...BROKER_API_CODES, ...SETUP_CHECK_CODES] }, message: str,
          hint: { ...str, description: 'How to fix a failed pre-check' }, causes: { type: 'array', items: cause },
        },
      } } } },
    },
  },
  User: {
    type: 'object',
    properties: {
      id: str, tenantId: str, email: str, emailVerified: { type: 'boolean' }, name: nstr, groups: { type: 'array', items: str },
      disabled: { type: 'boolean' }, hasPassword: { type: 'boolean' }, lastLoginAt: nstr, createdAt: str, updatedAt: str,
    },
  },
  UserPage: {
    type: 'object',
    properties: { users: { type: 'array', items: { $ref: '#/components/schemas/User' } }, nextCursor: { ...nstr, description: 'Pass as `after` for the next page.' } },
  },
  UnlockResult: { type: 'object', properties: { user: { $ref: '#/components/schemas/User' }, wasLocked: { type: 'boolean' } } },
  ResetPasswordResult: {
    type: 'object',
    properties: { user: { $ref: '#/components/schemas/User' }, generatedPassword: { ...str, description: 'Present when no password was sent; shown only here.' } },
  },
  Client: {
    type: 'object',
    properties: {
      clientId: str, name: str, kind: { enum: ['web', 'native', 'service', 'data-accessor'] }, firstParty: { type: 'boolean' },
      allowedTenants: { type: 'array', items: str }, scopes: { type: 'array', items: str },
      redirectUris: { type: 'array', items: str }, postLogoutRedirectUris: { type: 'array', items: str },
      previousSecretExpiresAt: { ...nstr, description: 'Until when the secret replaced by the last rotation still works.' }, createdAt: str,
    },
  },
  ClientWithSecret: {
    allOf: [{ $ref: '#/components/schemas/Client' }],
    properties: { clientSecret: { ...str, description: 'Web and service clients only; shown only here.' } },
  },
  RotatedSecret: { type: 'object', properties: { clientId: str, clientSecret: str, previousSecretExpiresAt: nstr } },
  Key: {
    type: 'object',
    properties: { kid: str, use: { enum: ['sig', 'cookie'] }, alg: str, state: { enum: ['pending', 'active', 'retired'] }, activatesAt: str, retiredAt: nstr, expiresAt: nstr },
  },
  AuditPage: {
    type: 'object',
    properties: {
      events: { type: 'array', items: { type: 'object', properties: { id: str, at: str, kind: str, tenantId: nstr, userId: nstr, serviceClientId: nstr, outcome: str, errorCode: nstr, awsRequestIds: { type: 'array', items: str }, latencyMs: { type: 'integer' }, queryText: nstr, detail: {} } } },
      nextCursor: { ...nstr, description: 'Pass as `before` for older events.' },
    },
  },
};
