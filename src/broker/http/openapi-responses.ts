// Response and admin-input schemas of the OpenAPI document (JSON Schema 2020-12).
// The tenant input follows the tenant service's own rules (src/tenants/validate.ts).
import { AUTH_MODES, FLAGS, MFA_POLICIES, STRING_DETAILS, TENANT_ID, TENANT_ID_MAX } from '../../tenants/validate.js';
import { BROKER_API_CODES, SETUP_CHECK_CODES } from '../../shared/error-codes.js';

const str = { type: 'string' };
const nstr = { type: ['string', 'null'] };
const cause = {
  type: 'object',
  description: 'A candidate cause of an AWS refusal that does not say which check failed.',
  properties: {
    check: str,
    sent: { ...str, description: 'The value we sent' },
    mustHold: { ...str, description: "What the customer's side must hold for it" },
  },
};
const attribute = {
  type: 'object',
  description: 'A document attribute.',
  properties: { name: str, value: { type: 'object', description: 'One of stringValue, stringListValue, longValue, dateValue (ISO 8601)' } },
};
const DETAIL_TEXT: Record<(typeof STRING_DETAILS)[number] | (typeof FLAGS)[number], string> = {
  qbusinessApplicationId: "The customer's Q Business application ID.",
  qbusinessRegion: 'AWS region of the Q Business application.',
  retrieverId: "The application's retriever ID.",
  idcApplicationArn: "ARN of the customer's IAM Identity Center application for the data accessor.",
  idcRegion: "AWS region of the customer's IAM Identity Center.",
  roleArn: "The ISV's data-accessor IAM role.",
  stsEndpoint: 'Override of the STS endpoint (origin of an AWS endpoint, or listed in ENDPOINT_ALLOWLIST).',
  ssoOidcEndpoint: 'Override of the Identity Center OIDC endpoint.',
  qbusinessEndpoint: 'Override of the Q Business endpoint.',
  allowBackendAccess: 'Accept searches by `user.id` (without a user token).',
  auditQueryText: 'Store search query text in the audit trail.',
  authMode:
    "`trusted-token-issuer` (default: our ID token, no second login) or `authorization-code` (each user connects once through the customer's Identity Center: `POST /api/v1/tenants/{tenantId}/connect`). Cannot be cleared.",
  authCodeRedirectUri: '`authorization-code` only: the redirect URI registered with AWS, `<ISSUER>/idc/callback` (https; http only on localhost).',
};

export const responseSchemas: Record<string, unknown> = {
  SearchResponse: {
    type: 'object',
    description: 'One page of search results.',
    required: ['results', 'nextToken'],
    properties: {
      results: { type: 'array', items: { $ref: '#/components/schemas/SearchResult' } },
      nextToken: { ...nstr, description: 'Pass as nextToken for the next page; null on the last page.' },
    },
  },
  SearchResult: {
    type: 'object',
    description: 'A passage of a document the user may see.',
    properties: {
      content: nstr,
      documentId: nstr,
      title: nstr,
      uri: nstr,
      attributes: { type: 'array', items: attribute },
      confidence: { type: ['string', 'null'], enum: ['VERY_HIGH', 'HIGH', 'MEDIUM', 'LOW', 'NOT_AVAILABLE', null] },
    },
  },
  Problem: {
    type: 'object',
    description: 'RFC 9457 problem details; `code` is stable (docs/broker.md lists them).',
    required: ['type', 'title', 'status', 'detail', 'code'],
    properties: {
      type: { ...str, description: '`urn:tti-bridge:problem:<code>`' },
      title: str,
      status: { type: 'integer' },
      detail: { ...str, description: 'What went wrong and how to fix it.' },
      instance: { ...str, description: 'The request path.' },
      code: { ...str, enum: [...BROKER_API_CODES], description: 'Stable error code (docs/broker.md)' },
      errors: {
        type: 'array',
        description: 'Each bad field (validation_failed, invalid_search).',
        items: { type: 'object', properties: { field: str, message: str } },
      },
      step: { ...str, description: 'Exchange step that failed: assume_role, create_token, assume_role_context, search' },
      awsError: { ...str, description: 'The AWS error name.' },
      awsRequestId: { ...str, description: 'The AWS request id, for AWS support.' },
      reason: { ...str, description: 'The reason AWS gave with its error, when it gave one.' },
      retryAfter: { type: 'integer', description: 'Seconds to wait before retrying (also the Retry-After header).' },
      missing: { type: 'array', items: str, description: 'The missing tenant details (tenant_not_configured).' },
      requiredScope: { ...str, description: 'The scope the route needs (insufficient_scope).' },
      causes: { type: 'array', items: cause, description: 'assertion_rejected, identity_access_denied: the candidate causes, each with the value we sent.' },
      connectEndpoint: { ...str, description: 'connect_required: the API path that returns a connect URL for the user.' },
    },
  },
  ConnectResponse: {
    type: 'object',
    description: "Where to send the user's browser to connect (authorization-code tenants).",
    required: ['authorizeUrl', 'expiresAt'],
    properties: {
      authorizeUrl: {
        ...str,
        format: 'uri',
        description: 'Identity Center `/authorize` with `response_type=code`, `client_id`, `redirect_uri`, a single-use `state` and PKCE S256.',
      },
      expiresAt: { ...str, format: 'date-time', description: 'The URL works until then (10 minutes).' },
    },
  },
  TenantInput: {
    type: 'object',
    description: 'id and name are required on create; id cannot change. Empty string or null clears a detail.',
    properties: {
      id: { type: 'string', pattern: TENANT_ID.source, maxLength: TENANT_ID_MAX, description: 'The Tenant ID the customer enters in AWS.' },
      name: { type: 'string', maxLength: 256, description: 'Display name.' },
      ...Object.fromEntries(STRING_DETAILS.map((field) => [field, { ...nstr, description: DETAIL_TEXT[field] }])),
      ...Object.fromEntries(FLAGS.map((field) => [field, { type: 'boolean', description: DETAIL_TEXT[field] }])),
      mfaPolicy: {
        type: 'string',
        enum: [...MFA_POLICIES],
        description:
          "Two-step sign-in (authenticator app) for the tenant's local accounts: off, optional (offered after the password) or required. See docs/accounts.md.",
      },
      authMode: { enum: [...AUTH_MODES], description: DETAIL_TEXT.authMode },
    },
  },
  Tenant: {
    description: 'A tenant as stored, with its status.',
    allOf: [
      { $ref: '#/components/schemas/TenantInput' },
      {
        type: 'object',
        required: ['id', 'name', 'status', 'missingDetails'],
        properties: {
          status: { enum: ['pending', 'active', 'disabled'], description: '`pending` while details are missing.' },
          missingDetails: { type: 'array', items: str, description: 'Details still needed before the tenant can be active.' },
          createdAt: { ...str, format: 'date-time' },
          updatedAt: { ...str, format: 'date-time' },
        },
      },
    ],
  },
  TenantList: {
    type: 'object',
    description: 'The tenants the client may administer.',
    required: ['tenants'],
    properties: { tenants: { type: 'array', items: { $ref: '#/components/schemas/Tenant' } } },
  },
  OnboardingLink: {
    type: 'object',
    description:
      "A signed self-service link; anyone holding it can set the tenant's details until it expires, so send it to the customer's administrator only.",
    required: ['tenantId', 'url', 'expiresAt'],
    properties: { tenantId: str, url: { ...str, format: 'uri' }, expiresAt: { ...str, format: 'date-time' } },
  },
  Upstream: {
    type: 'object',
    description: 'An upstream identity provider. The client secret is never returned: hasClientSecret says whether one is set.',
    properties: {
      id: str,
      displayName: str,
      issuer: str,
      clientId: nstr,
      hasClientSecret: { type: 'boolean' },
      scopes: { type: 'array', items: str },
      tenants: { type: 'array', items: str },
      emailDomains: { type: 'array', items: str },
      claimEmail: str,
      claimEmailVerified: str,
      claimName: str,
      claimGroups: nstr,
      tenantClaim: nstr,
      tenantMap: { type: 'object', additionalProperties: str },
      tokenAudience: nstr,
      clockSkewSeconds: { type: 'integer' },
      enabled: { type: 'boolean' },
      login: { type: 'boolean', description: 'Offers federated sign-in (clientId set)' },
      trustedIssuer: { type: 'boolean', description: 'The broker accepts its tokens (tokenAudience set)' },
      createdAt: str,
      updatedAt: str,
    },
  },
  UpstreamList: { type: 'object', required: ['upstreams'], properties: { upstreams: { type: 'array', items: { $ref: '#/components/schemas/Upstream' } } } },
  CheckReport: {
    type: 'object',
    description: "The setup check's report; `failedStep` names the first failing step.",
    properties: {
      tenantId: str,
      userId: nstr,
      ok: { type: 'boolean' },
      failedStep: nstr,
      settings: {
        type: ['object', 'null'],
        description: 'The tenant settings the check used, read from the database as the check ran (null: no such tenant).',
        properties: {
          status: { ...str, enum: ['pending', 'active', 'disabled'] },
          roleArn: nstr,
          idcApplicationArn: nstr,
          idcRegion: nstr,
          qbusinessApplicationId: nstr,
          qbusinessRegion: nstr,
          retrieverId: nstr,
          endpoints: { type: 'object', description: 'Endpoint overrides (null: the AWS default).', properties: { sts: nstr, ssoOidc: nstr, qbusiness: nstr } },
          updatedAt: { ...nstr, format: 'date-time', description: 'When the tenant was last changed: which edit the check saw.' },
        },
      },
      steps: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            step: str,
            ok: { type: 'boolean' },
            latencyMs: { type: 'number' },
            requestId: str,
            error: {
              type: 'object',
              properties: {
                code: { ...str, enum: [...BROKER_API_CODES, ...SETUP_CHECK_CODES] },
                message: str,
                hint: { ...str, description: 'How to fix a failed pre-check' },
                causes: { type: 'array', items: cause },
              },
            },
          },
        },
      },
    },
  },
  User: {
    type: 'object',
    properties: {
      id: str,
      tenantId: str,
      email: str,
      emailVerified: { type: 'boolean' },
      name: nstr,
      groups: { type: 'array', items: str },
      disabled: { type: 'boolean' },
      hasPassword: { type: 'boolean' },
      lastLoginAt: nstr,
      createdAt: str,
      updatedAt: str,
    },
  },
  UserPage: {
    type: 'object',
    properties: {
      users: { type: 'array', items: { $ref: '#/components/schemas/User' } },
      nextCursor: { ...nstr, description: 'Pass as `after` for the next page.' },
    },
  },
  MfaStatus: {
    type: 'object',
    description: "A user's second factor.",
    required: ['enrolled', 'recoveryCodesLeft'],
    properties: {
      enrolled: { type: 'boolean', description: 'A confirmed authenticator app is set up.' },
      recoveryCodesLeft: { type: 'integer', description: 'Unused recovery codes.' },
    },
  },
  MfaResetResult: {
    type: 'object',
    description: 'The outcome of a second-factor reset.',
    required: ['email', 'tenantId', 'reset'],
    properties: {
      email: { type: 'string' },
      tenantId: { type: 'string' },
      reset: { type: 'boolean', description: 'An authenticator was set up and is now removed.' },
    },
  },
  UnlockResult: { type: 'object', properties: { user: { $ref: '#/components/schemas/User' }, wasLocked: { type: 'boolean' } } },
  ResetPasswordResult: {
    type: 'object',
    properties: {
      user: { $ref: '#/components/schemas/User' },
      generatedPassword: { ...str, description: 'Present when no password was sent; shown only here.' },
    },
  },
  Client: {
    type: 'object',
    properties: {
      clientId: str,
      name: str,
      kind: { enum: ['web', 'native', 'service', 'data-accessor'] },
      firstParty: { type: 'boolean' },
      allowedTenants: { type: 'array', items: str },
      scopes: { type: 'array', items: str },
      redirectUris: { type: 'array', items: str },
      postLogoutRedirectUris: { type: 'array', items: str },
      previousSecretExpiresAt: { ...nstr, description: 'Until when the secret replaced by the last rotation still works.' },
      createdAt: str,
    },
  },
  ClientWithSecret: {
    allOf: [{ $ref: '#/components/schemas/Client' }],
    properties: { clientSecret: { ...str, description: 'Web and service clients only; shown only here.' } },
  },
  ClientList: { type: 'object', properties: { clients: { type: 'array', items: { $ref: '#/components/schemas/Client' } } } },
  KeyList: { type: 'object', properties: { keys: { type: 'array', items: { $ref: '#/components/schemas/Key' } } } },
  RotatedSecret: { type: 'object', properties: { clientId: str, clientSecret: str, previousSecretExpiresAt: nstr } },
  Key: {
    type: 'object',
    properties: {
      kid: str,
      use: { enum: ['sig', 'cookie'] },
      alg: str,
      state: { enum: ['pending', 'active', 'retired'] },
      activatesAt: str,
      retiredAt: nstr,
      expiresAt: nstr,
    },
  },
  AuditPage: {
    type: 'object',
    description: 'Audit events, newest first.',
    properties: {
      events: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            id: str,
            at: { ...str, format: 'date-time' },
            kind: { enum: ['exchange', 'search', 'check'] },
            tenantId: nstr,
            userId: nstr,
            serviceClientId: nstr,
            outcome: { enum: ['success', 'failure'] },
            errorCode: nstr,
            awsRequestIds: { type: 'array', items: str },
            latencyMs: { type: 'integer' },
            queryText: nstr,
            detail: {},
          },
        },
      },
      nextCursor: { ...nstr, description: 'Pass as `before` for older events.' },
    },
  },
};
