// Response and admin-input schemas of the OpenAPI document (JSON Schema 2020-12).
// The tenant input follows the tenant service's own rules (src/tenants/validate.ts).
import { AUTH_MODES, FLAGS, STRING_DETAILS, TENANT_ID, TENANT_ID_MAX } from '../../tenants/validate.js';

const str = { type: 'string' };
const nstr = { type: ['string', 'null'] };
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
  ConnectResponse: {
    type: 'object', required: ['authorizeUrl', 'expiresAt'],
    properties: { authorizeUrl: { ...str, description: 'Identity Center /authorize with response_type=code, client_id, redirect_uri, state and PKCE S256' }, expiresAt: str },
  },
  Problem: {
    type: 'object', required: ['type', 'title', 'status', 'detail', 'code'],
    properties: {
      type: str, title: str, status: { type: 'integer' }, detail: str, instance: str,
      code: { ...str, description: 'Stable error code (docs/broker.md)' },
      errors: { type: 'array', items: { type: 'object', properties: { field: str, message: str } } },
      step: { ...str, description: 'Exchange step that failed: assume_role, create_token, assume_role_context, search' },
      awsError: str, awsRequestId: str, retryAfter: { type: 'integer' },
      connectEndpoint: { ...str, description: 'With code connect_required: the API path that returns a connect URL for the user' },
    },
  },
  TenantInput: {
    type: 'object', description: 'id and name are required on create; id cannot change. Empty string or null clears a detail.',
    properties: {
      id: { type: 'string', pattern: TENANT_ID.source, maxLength: TENANT_ID_MAX }, name: { type: 'string', maxLength: 256 },
      ...Object.fromEntries(STRING_DETAILS.map((field) => [field, nstr])),
      ...Object.fromEntries(FLAGS.map((field) => [field, { type: 'boolean' }])),
      authMode: { enum: [...AUTH_MODES], description: 'trusted-token-issuer (default): our ID token, no second login. authorization-code: each user connects once through the customer\'s Identity Center (POST /api/v1/tenants/{tenantId}/connect).' },
      authCodeRedirectUri: { ...nstr, description: 'authorization-code: the redirect URI registered with AWS, <ISSUER>/idc/callback.' },
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
      steps: { type: 'array', items: { type: 'object', properties: { step: str, ok: { type: 'boolean' }, latencyMs: { type: 'number' }, requestId: str, error: { type: 'object', properties: { code: str, message: str } } } } },
    },
  },
  AuditPage: {
    type: 'object',
    properties: {
      events: { type: 'array', items: { type: 'object', properties: { id: str, at: str, kind: str, tenantId: nstr, userId: nstr, serviceClientId: nstr, outcome: str, errorCode: nstr, awsRequestIds: { type: 'array', items: str }, latencyMs: { type: 'integer' }, queryText: nstr, detail: {} } } },
      nextCursor: { ...nstr, description: 'Pass as `before` for older events.' },
    },
  },
};
