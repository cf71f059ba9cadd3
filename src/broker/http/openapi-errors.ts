// Problem (RFC 9457) responses of the OpenAPI document, with one example per error code.
// The examples are made by the same constructors the API throws and rendered by toProblem,
// so their text is what a caller really gets and cannot drift from the code.
import { AppError, notFound, validationError } from '../../shared/errors.js';
import { serviceUnavailable, DB_RETRY_AFTER_SECONDS } from '../../db/unavailable.js';
import { brokerErrors, translateAwsFailure } from '../errors.js';
import { connectErrors } from '../connect.js';
import type { AwsFailure } from '../aws-error.js';
import { MAX_BODY_BYTES, MAX_JSON_DEPTH } from './body.js';
import { toProblem } from './problem.js';
import { upstreamUnavailable } from '../../federation/upstream-client.js';
import { mapClaims } from '../../federation/identity.js';
import type { UpstreamRow } from '../../db/upstreams.js';

const T = 'acme';
const SEARCH = `/api/v1/tenants/${T}/search`;
const CONNECT = `/api/v1/tenants/${T}/connect`;

/** An upstream as stored, for the federation examples: made by the same code the API runs. */
const UP = {
  id: 'acme-okta',
  display_name: 'Acme Okta',
  issuer: 'https://acme.okta.example/oauth2/default',
  tenants: [T],
  claim_email: 'email',
  claim_email_verified: 'email_verified',
  claim_name: 'name',
  claim_groups: null,
  tenant_claim: 'org_id',
  tenant_map: { 'org-1': T },
} as unknown as UpstreamRow;
const claimError = (claims: Record<string, unknown>, wanted = T): AppError => {
  try {
    mapClaims(UP, claims, wanted);
  } catch (err) {
    return err as AppError;
  }
  throw new Error('the example claims were accepted');
};
const ALICE = { sub: '00u1a2b3c4', email: 'alice@acme.example', email_verified: true, org_id: 'org-1' };
const aws = (f: Partial<AwsFailure> & Pick<AwsFailure, 'step' | 'name' | 'message'>) =>
  translateAwsFailure(
    { unavailable: false, throttled: false, requestId: 'b7a1c2d3-0000-4e5f-8a9b-123456789abc', ...f },
    { tenantId: T, roleArn: 'arn:aws:iam::444455556666:role/DataAccessorRole', claim: { name: 'email', value: 'alice@acme.example' } },
  );

/** code → [the error, the path it is shown for, one line on when it happens]. */
const ERRORS: Record<string, [AppError, string, string]> = {
  validation_failed: [
    validationError([{ field: 'maxResults', message: 'must be from 1 to 100' }]),
    SEARCH,
    'A field is missing or malformed; `errors` lists each one.',
  ],
  invalid_json: [new AppError('invalid_json', 400, 'The request body is not valid JSON: Unexpected end of JSON input'), SEARCH, 'The body is not JSON.'],
  body_too_complex: [
    new AppError('body_too_complex', 400, `The request body nests deeper than ${MAX_JSON_DEPTH} levels.`),
    SEARCH,
    'The body nests too deeply.',
  ],
  invalid_search: [
    aws({ step: 'search', name: 'ValidationException', message: 'The nextToken is invalid or expired.', fields: [{ name: 'nextToken', message: 'invalid' }] }),
    SEARCH,
    'Q Business rejected the parameters, e.g. a stale nextToken.',
  ],
  invalid_token: [brokerErrors.missingToken(), SEARCH, 'The service access token is missing, invalid, expired or revoked.'],
  invalid_user_token: [
    new AppError('invalid_user_token', 401, 'The user token was issued to a client that no longer exists.'),
    SEARCH,
    'The user token is not one this provider issued (the bearer token was fine).',
  ],
  user_token_expired: [
    new AppError('user_token_expired', 401, 'user token has expired; get a new one'),
    SEARCH,
    'The user token has expired: sign the user in again.',
  ],
  insufficient_scope: [brokerErrors.insufficientScope('search'), SEARCH, 'The service token lacks the scope of the route.'],
  service_not_allowed: [brokerErrors.serviceNotAllowed('svc-reporting', T), SEARCH, 'The service client may not act for this tenant.'],
  tenant_not_allowed: [
    brokerErrors.tenantNotAllowed('svc-admin', T),
    `/api/v1/admin/tenants/${T}`,
    'The admin client may not administer this tenant (said whether or not it exists).',
  ],
  tenant_not_active: [brokerErrors.tenantNotActive(T, 'disabled'), SEARCH, 'The tenant is pending or disabled.'],
  user_not_in_tenant: [brokerErrors.userNotInTenant(T), SEARCH, 'The user does not belong to the tenant.'],
  user_disabled: [brokerErrors.userDisabled(T), SEARCH, 'The user is disabled.'],
  backend_access_not_allowed: [brokerErrors.backendAccessNotAllowed(T), SEARCH, '`user.id` was sent but the tenant requires a user token.'],
  identity_access_denied: [
    aws({ step: 'create_token', name: 'AccessDeniedException', message: 'User is not assigned to the application.' }),
    SEARCH,
    'Identity Center denied the exchange: the user is not assigned to the application, or the ISV role lacks sso-oauth:CreateTokenWithIAM.',
  ],
  user_not_licensed: [
    aws({ step: 'search', name: 'LicenseNotFoundException', message: 'No subscription found for the user.' }),
    SEARCH,
    'The user has no Q Business subscription.',
  ],
  data_accessor_denied: [
    aws({ step: 'search', name: 'AccessDeniedException', message: 'Not authorized.' }),
    SEARCH,
    'STS or Q Business refused the data accessor.',
  ],
  tenant_not_found: [brokerErrors.tenantNotFound(T), SEARCH, 'No such tenant.'],
  tenant_not_found_admin: [notFound('tenant', T), `/api/v1/admin/tenants/${T}`, 'No such tenant.'],
  tenant_not_configured: [brokerErrors.tenantNotConfigured(T, ['roleArn', 'retrieverId']), SEARCH, 'Data-accessor details are missing (listed in `missing`).'],
  endpoint_not_allowed: [
    new AppError(
      'endpoint_not_allowed',
      409,
      `Tenant '${T}' has endpoint overrides that are not allowed: stsEndpoint. Nothing was sent there. Set them to AWS endpoints, clear them, or list the origin in ENDPOINT_ALLOWLIST.`,
    ),
    SEARCH,
    'A stored endpoint override is not allowed; nothing was sent.',
  ],
  tenant_not_pending: [
    new AppError(
      'tenant_not_pending',
      409,
      `Tenant '${T}' is active; onboarding links are for pending tenants (a link never changes a connected or disabled tenant).`,
    ),
    `/api/v1/admin/tenants/${T}/onboarding-link`,
    'The tenant is not pending: links are only for tenants being set up.',
  ],
  upstream_email_missing: [claimError({ ...ALICE, email: undefined }), SEARCH, "A trusted external issuer's token carries no email in the configured claim."],
  upstream_email_unverified: [
    claimError({ ...ALICE, email_verified: false }),
    SEARCH,
    'Its email-verified claim is not true (Identity Center maps users by email).',
  ],
  upstream_tenant_mismatch: [claimError(ALICE, 'globex'), SEARCH, 'The issuer does not serve this tenant (or its tenant claim names another).'],
  upstream_tenant_unmapped: [claimError({ ...ALICE, org_id: 'org-9' }), SEARCH, "The issuer's tenant claim maps to no tenant."],
  upstream_unavailable: [
    upstreamUnavailable(UP, 'its key set could not be fetched'),
    SEARCH,
    "The trusted issuer's discovery or keys could not be fetched; retry later.",
  ],
  upstream_misconfigured: [
    new AppError('upstream_misconfigured', 502, 'Acme Okta (acme-okta) publishes no jwks_uri in its discovery document.', { expose: true }),
    SEARCH,
    "The trusted issuer's discovery document is unusable.",
  ],
  upstream_not_found: [
    notFound('upstream', 'acme-okta'),
    '/api/v1/admin/upstreams/acme-okta',
    "No such upstream, or one serving a tenant outside the client's allowed tenants.",
  ],
  upstream_exists: [
    new AppError('upstream_exists', 409, "an upstream with id 'acme-okta' already exists"),
    '/api/v1/admin/upstreams',
    'An upstream with this id exists.',
  ],
  tenant_exists: [new AppError('tenant_exists', 409, `a tenant with id '${T}' already exists`), '/api/v1/admin/tenants', 'A tenant with this id exists.'],
  payload_too_large: [new AppError('payload_too_large', 413, `Request body is larger than ${MAX_BODY_BYTES} bytes`), SEARCH, 'The body is larger than 64 KiB.'],
  unsupported_media_type: [
    new AppError('unsupported_media_type', 415, 'Send the request body as application/json.'),
    SEARCH,
    'The body is not sent as application/json.',
  ],
  throttled: [
    aws({ step: 'search', name: 'ThrottlingException', message: 'Rate exceeded', throttled: true, retryAfterSeconds: 2 }),
    SEARCH,
    'AWS throttled the call; wait Retry-After seconds.',
  ],
  assertion_rejected: [
    aws({ step: 'create_token', name: 'InvalidGrantException', message: 'Invalid grant provided' }),
    SEARCH,
    'Identity Center rejected the assertion without saying which check failed; `causes` lists each candidate with the value we sent.',
  ],
  identity_context_rejected: [
    aws({ step: 'assume_role_context', name: 'InvalidParameterValue', message: 'The provided context is invalid.' }),
    SEARCH,
    'STS refused the identity context.',
  ],
  aws_credentials_invalid: [
    aws({ step: 'assume_role', name: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.' }),
    SEARCH,
    "AWS rejected the broker's base credentials.",
  ],
  tenant_misconfigured: [
    aws({ step: 'search', name: 'ResourceNotFoundException', message: 'Application not found.' }),
    SEARCH,
    'AWS could not find or accept a tenant resource.',
  ],
  aws_request_failed: [aws({ step: 'search', name: 'ConflictException', message: 'Conflict.' }), SEARCH, 'Another AWS refusal; `awsError` says which.'],
  aws_unavailable: [
    aws({ step: 'search', name: 'NetworkError', message: 'connect ECONNREFUSED', unavailable: true }),
    SEARCH,
    'AWS is unreachable; retry later.',
  ],
  global_admin_required: [
    new AppError(
      'global_admin_required',
      403,
      'Clients and signing keys are shared by every tenant: this needs a service client whose allowed tenants are "*".',
    ),
    '/api/v1/admin/clients',
    'Clients and keys are changed only by a global admin (allowed tenants `*`).',
  ],
  user_not_found: [notFound('user', 'alice@acme.example'), `/api/v1/admin/tenants/${T}/users/alice@acme.example`, 'No such user in the tenant.'],
  user_exists: [
    new AppError('user_exists', 409, "a user with email 'alice@acme.example' already exists in this tenant"),
    `/api/v1/admin/tenants/${T}/users`,
    'A user with this email is in the tenant.',
  ],
  client_not_found: [
    new AppError('client_not_found', 404, "client 'svc-reporting' does not exist"),
    '/api/v1/admin/clients/svc-reporting',
    'No such client, or one a tenant-limited admin may not see.',
  ],
  client_exists: [
    new AppError('client_exists', 409, "A client with id 'svc-reporting' already exists"),
    '/api/v1/admin/clients',
    'A client with this id exists.',
  ],
  data_accessor_client_exists: [
    new AppError(
      'data_accessor_client_exists',
      409,
      'A data accessor client already exists: AWS knows exactly one client ID per ISV. Remove it first to replace it.',
    ),
    '/api/v1/admin/clients',
    'There is already a data-accessor client.',
  ],
  client_has_no_secret: [
    new AppError('client_has_no_secret', 409, "client 'mobile-app' is public (native): it has no secret to rotate"),
    '/api/v1/admin/clients/mobile-app/rotate-secret',
    'A public client has no secret.',
  ],
  conflict: [
    new AppError('conflict', 409, "The client's secret was rotated at the same moment by someone else; look at the client and try again."),
    '/api/v1/admin/clients/svc-reporting/rotate-secret',
    'A concurrent rotation won.',
  ],
  cannot_remove_self: [
    new AppError('cannot_remove_self', 409, 'A client cannot remove itself; remove it with another global admin client.'),
    '/api/v1/admin/clients/svc-admin',
    'The calling client cannot remove itself.',
  ],
  service_unavailable: [serviceUnavailable(), SEARCH, `The database is unreachable; retry after ${DB_RETRY_AFTER_SECONDS} seconds.`],
  connect_required: [
    connectErrors.connectRequired(T, `The user has not connected tenant '${T}' (authorization-code mode) yet.`),
    SEARCH,
    'Authorization-code tenant: the user must connect through Identity Center first (or again); `connectEndpoint` says where to start.',
  ],
  not_authorization_code_tenant: [connectErrors.notAuthCodeTenant(T), CONNECT, 'The tenant uses a trusted token issuer: no connect step.'],
};

export type ErrorCode = keyof typeof ERRORS;

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request: the body or a parameter is invalid',
  401: 'Unauthorized: the service token (or the user token) is missing or invalid',
  403: 'Forbidden: the caller, tenant or user may not do this',
  404: 'Not found',
  409: 'Conflict with the current state of the tenant',
  413: 'Request body too large (limit 64 KiB)',
  415: 'Unsupported media type (send application/json)',
  429: 'AWS throttled the call; retry after Retry-After seconds',
  502: 'AWS refused or failed; `step`, `awsError` and `detail` say where',
  503: 'Temporarily unavailable (database or AWS); retry after Retry-After seconds',
};

const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 1 }, example: DB_RETRY_AFTER_SECONDS },
};

/** Problem examples of one code, as the document shows them. */
export function problemExample(code: ErrorCode): { status: number; summary: string; value: Record<string, unknown> } {
  const [err, path, summary] = ERRORS[code]!;
  const value = JSON.parse(JSON.stringify(toProblem(err, path))) as Record<string, unknown>;
  return { status: err.status, summary, value };
}

/** Response objects for the codes an operation can answer with, grouped by status. */
export function problemResponses(codes: ErrorCode[]): Record<string, unknown> {
  const byStatus = new Map<number, Record<string, unknown>>();
  for (const code of codes) {
    const { status, summary, value } = problemExample(code);
    const examples = byStatus.get(status) ?? {};
    examples[String(value.code)] = { summary, value };
    byStatus.set(status, examples);
  }
  return Object.fromEntries(
    [...byStatus]
      .sort(([a], [b]) => a - b)
      .map(([status, examples]) => [
        String(status),
        {
          description: STATUS_TEXT[status] ?? 'Error',
          ...(status === 429 || status === 503 ? { headers: retryAfter } : {}),
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' }, examples } },
        },
      ]),
  );
}

/** Codes every route behind a service token can answer with. */
export const AUTH_ERRORS: ErrorCode[] = ['invalid_token', 'insufficient_scope', 'service_unavailable'];
/** Codes of every route that reads a JSON body. */
export const BODY_ERRORS: ErrorCode[] = ['validation_failed', 'invalid_json', 'body_too_complex', 'payload_too_large', 'unsupported_media_type'];
