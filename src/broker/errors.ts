// Broker errors: the refusals the broker makes itself, and the one place where anything
// else (an AWS failure, an HTTP library error, the database down, a bug) becomes the
// AppError the API answers with. Codes are listed in src/shared/error-codes.ts and
// documented in docs/broker.md.
//
// AWS failures are classified only by what is certain: the step (which call) and the
// exception name (and a modelled `reason`). The message text is never parsed into a cause:
// AWS documents none of it, and Identity Center often says only "Invalid grant provided".
// Where one exception has several possible causes, the answer says so and lists each with
// the value we sent and what the customer's side must hold.
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { isDatabaseUnavailable, serviceUnavailable } from '../db/unavailable.js';
import { isAwsCallError, type AwsFailure } from './aws-error.js';
import type { TenantAws, UserRecord } from './ports.js';

export const brokerErrors = {
  tenantNotFound: (id: string) => new AppError('tenant_not_found', 404, `Tenant '${id}' does not exist.`),
  tenantNotActive: (id: string, status: string) =>
    new AppError('tenant_not_active', 403, `Tenant '${id}' is ${status}; searches are allowed only for active tenants. Enable it with the admin API or CLI.`),
  tenantNotConfigured: (id: string, missing: string[]) =>
    new AppError('tenant_not_configured', 409, `Tenant '${id}' is missing data-accessor settings: ${missing.join(', ')}.`, { detail: { missing } }),
  userNotInTenant: (tenantId: string) => new AppError('user_not_in_tenant', 403, `The user does not exist in tenant '${tenantId}'.`),
  userDisabled: (tenantId: string) => new AppError('user_disabled', 403, `The user is disabled in tenant '${tenantId}'.`),
  userClientRemoved: () => new AppError('invalid_user_token', 401, 'The user token was issued to a client that no longer exists.'),
  backendAccessNotAllowed: (tenantId: string) =>
    new AppError(
      'backend_access_not_allowed',
      403,
      `Tenant '${tenantId}' does not allow searches by user id; send a user token issued by this provider, or set allowBackendAccess on the tenant.`,
    ),
  serviceNotAllowed: (clientId: string, tenantId: string) =>
    new AppError(
      'service_not_allowed',
      403,
      `Service client '${clientId}' is not allowed to act for tenant '${tenantId}'. Add the tenant to the client's allowed tenants.`,
    ),
  tenantNotAllowed: (clientId: string, tenantId: string) =>
    new AppError(
      'tenant_not_allowed',
      403,
      `Service client '${clientId}' may not administer tenant '${tenantId}'. Add the tenant to the client's allowed tenants.`,
    ),
  insufficientScope: (scope: string) =>
    new AppError('insufficient_scope', 403, `The access token lacks the '${scope}' scope.`, { detail: { requiredScope: scope } }),
  missingToken: () => new AppError('invalid_token', 401, 'Send a client-credentials access token as "Authorization: Bearer <token>".'),
  tokenRevoked: () => new AppError('invalid_token', 401, 'The access token has been revoked; get a new one.'),
  clientRemoved: () => new AppError('invalid_token', 401, 'The access token belongs to a client that no longer exists.'),
};

/** What the minted assertion said, read back from the token we sent (never the token itself). */
export interface AssertionSent {
  iss: string;
  aud: string;
  kid: string;
  /** Expiry, ISO 8601. */
  exp: string;
  email: string;
}

/** What an AWS failure is explained with: the tenant's settings and what we sent. */
export interface FailureContext {
  tenantId: string;
  roleArn?: string;
  idcApplicationArn?: string;
  /** The claim the customer's trusted token issuer maps, and its value for this user. */
  claim?: { name: string; value: string };
  /** The assertion of the failed exchange, when one was minted. */
  assertion?: AssertionSent;
}

/** One possible cause of an unspecific refusal: the value we sent and what must hold for it. */
export interface Cause {
  check: 'issuer' | 'audience' | 'user_mapping' | 'signing_key' | 'lifetime_and_replay' | 'assignment' | 'caller_permission';
  sent: string;
  mustHold: string;
}

export const failureContext = (t: TenantAws, u: UserRecord, assertion?: AssertionSent): FailureContext => ({
  tenantId: t.id,
  roleArn: t.roleArn,
  idcApplicationArn: t.idcApplicationArn,
  claim: { name: 'email', value: u.email },
  assertion,
});

/** Any error from a broker use case or route → the AppError the API answers with. */
export function toAppError(err: unknown, ctx: FailureContext | undefined, logger: Logger): AppError {
  if (err instanceof AppError) return err;
  if (isAwsCallError(err)) return translateAwsFailure(err.failure, ctx ?? { tenantId: '(unknown)' });
  if (isDatabaseUnavailable(err)) return serviceUnavailable();
  // Koa / http-errors thrown by middleware with a client status are safe to show.
  const status = (err as { status?: number } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) return new AppError('bad_request', status, (err as Error).message);
  return internalError(err, logger, 'broker internal error', ctx ? { tenantId: ctx.tenantId } : {});
}

/** Logs an unexpected error (name and message only) and returns the generic 500. */
export function internalError(err: unknown, logger: Logger, msg: string, fields: Record<string, unknown> = {}): AppError {
  logger.error({ err: { name: (err as Error)?.name, message: (err as Error)?.message }, ...fields }, msg);
  return new AppError('internal_error', 500, 'Internal error', { expose: false });
}

/** Errors after which a fresh exchange may succeed: the cached credentials went stale. */
export function isStaleCredentials(e: unknown): boolean {
  if (!isAwsCallError(e) || e.failure.step !== 'search') return false;
  return /^(AccessDenied|ExpiredToken|InvalidClientTokenId|UnrecognizedClient)/.test(e.failure.name);
}

const THROTTLE_NAMES = /^(Throttling|ThrottlingException|TooManyRequestsException|RequestLimitExceeded|SlowDownException|ProvisionedThroughputExceeded)/;

/** Throttled: by exception name or HTTP 429. */
export const isThrottled = (name: string, status?: number) => THROTTLE_NAMES.test(name) || status === 429;

const detailOf = (f: AwsFailure) => ({ step: f.step, awsError: f.name, awsRequestId: f.requestId, awsMessage: f.message, reason: f.reason });
type Detail = ReturnType<typeof detailOf>;

export function translateAwsFailure(f: AwsFailure, ctx: FailureContext): AppError {
  const detail = detailOf(f);
  if (f.throttled) {
    return new AppError('throttled', 429, `AWS throttled the ${f.step} call for tenant '${ctx.tenantId}'; retry after ${f.retryAfterSeconds ?? 1} s.`, {
      retryAfter: f.retryAfterSeconds ?? 1,
      detail,
    });
  }
  if (f.unavailable) {
    const status = f.status === 503 || f.name === 'NetworkError' ? 503 : 502;
    return new AppError('aws_unavailable', status, `AWS is unavailable at the ${f.step} step (${f.name}); retry later.`, {
      expose: true,
      retryAfter: status === 503 ? 5 : undefined,
      detail,
    });
  }
  return (
    (f.step === 'create_token' ? fromCreateToken(f, ctx, detail) : f.step === 'search' ? fromSearch(f, ctx, detail) : fromSts(f, ctx, detail)) ??
    new AppError('aws_request_failed', 502, `AWS rejected the ${f.step} call: ${f.name}: ${f.message}`, { expose: true, detail })
  );
}

function fromSts(f: AwsFailure, ctx: FailureContext, detail: Detail): AppError | undefined {
  if (/^(InvalidClientTokenId|SignatureDoesNotMatch|ExpiredToken$|UnrecognizedClient)/.test(f.name)) {
    return new AppError(
      'aws_credentials_invalid',
      502,
      `AWS rejected the broker's base credentials (${f.name}); check the AWS credential chain of this service.`,
      { expose: true, detail },
    );
  }
  if (f.name === 'AccessDenied' || f.name === 'AccessDeniedException') {
    return new AppError(
      'data_accessor_denied',
      403,
      `STS refused to assume role '${ctx.roleArn}' for tenant '${ctx.tenantId}': ${f.message} The role's trust policy must allow sts:AssumeRole, sts:TagSession and sts:SetContext for the ISV principal.`,
      { detail },
    );
  }
  if (f.step === 'assume_role_context' && /ExpiredToken|InvalidParameter|ValidationError|PackedPolicy/.test(f.name)) {
    return new AppError('identity_context_rejected', 502, `STS rejected the Identity Center identity context for tenant '${ctx.tenantId}': ${f.message}`, {
      expose: true,
      detail,
    });
  }
  if (/ValidationError|RegionDisabled|MalformedPolicy|InvalidParameter/.test(f.name)) {
    return new AppError(
      'tenant_misconfigured',
      502,
      `STS rejected tenant '${ctx.tenantId}' settings (${f.name}): ${f.message} Check roleArn and stsEndpoint.`,
      { expose: true, detail },
    );
  }
  return undefined;
}

// Texts that say nothing beyond the exception name: AWS's usual one, the OAuth error code,
// and what the SDK reports when the body has no message.
const BARE = new Set([
  'invalid grant provided',
  'invalid_grant',
  'access_denied',
  'access denied',
  'unknownerror',
  'invalidgrantexception',
  'accessdeniedexception',
]);
const isBare = (message: string) => BARE.has(message.trim().replace(/\.$/, '').toLowerCase());

/** How AWS's own words are quoted: said plainly when they name no check. */
const awsSaid = (f: AwsFailure) =>
  isBare(f.message)
    ? `Identity Center did not say which check failed (AWS said only "${f.message}").`
    : `AWS said: "${f.message}" (its wording is not documented, so it is quoted, not relied on).`;

const listed = (causes: Cause[]) => causes.map((c, i) => `(${i + 1}) ${c.check}: we sent ${c.sent}; ${c.mustHold}`).join(' ');

/** Every check Identity Center makes of our assertion, with the value we sent for it. */
export function assertionCauses(ctx: FailureContext): Cause[] {
  const a = ctx.assertion;
  const value = (v: string | undefined) => (v === undefined ? '(no assertion was minted)' : `'${v}'`);
  const claim = ctx.claim ?? { name: 'email', value: a?.email ?? '' };
  return [
    {
      check: 'issuer',
      sent: `iss = ${value(a?.iss)}`,
      mustHold:
        "the customer's trusted token issuer, attached to the data accessor, must have exactly this IssuerUrl (same scheme and host, no trailing slash, no /.well-known suffix).",
    },
    {
      check: 'audience',
      sent: `aud = ${value(a?.aud)}`,
      mustHold: `this must be an authorized audience of that trusted token issuer for the data accessor's Identity Center application${ctx.idcApplicationArn ? ` (${ctx.idcApplicationArn})` : ''}: our data-accessor client id as registered with AWS.`,
    },
    {
      check: 'user_mapping',
      sent: `${claim.name} = '${claim.value}'`,
      mustHold: `exactly one Identity Center user must have this value in the attribute the trusted token issuer maps the '${claim.name}' claim to (usually emails.value); fix the user's entry in the customer's directory, or the mapping.`,
    },
    {
      check: 'signing_key',
      sent: `kid = ${value(a?.kid)}`,
      mustHold: `this key must be in the JWKS at the jwks_uri of ${a ? `${a.iss}/.well-known/openid-configuration` : 'our discovery document'}, which Identity Center fetches over https on port 443.`,
    },
    {
      check: 'lifetime_and_replay',
      sent: `exp = ${value(a?.exp)} and a fresh jti`,
      mustHold:
        'the assertion must be unexpired when Identity Center checks it (clocks in sync) and its jti unused (we mint a new one for every exchange; a replayed assertion is refused).',
    },
  ];
}

function fromCreateToken(f: AwsFailure, ctx: FailureContext, detail: Detail): AppError | undefined {
  if (f.name === 'InvalidGrantException') {
    // Certain: Identity Center refused the assertion. Not certain: which of its checks
    // failed (issuer, audience, user mapping, key, expiry, replay); AWS's text does not say
    // reliably, and sending the customer to fix an email when the audience is wrong is worse
    // than listing every candidate with the value we sent.
    const causes = assertionCauses(ctx);
    return new AppError(
      'assertion_rejected',
      502,
      `Identity Center refused the assertion for a user of tenant '${ctx.tenantId}' (InvalidGrantException). ${awsSaid(f)} Candidate causes, with what we sent: ${listed(causes)} The setup check (POST /api/v1/admin/tenants/${ctx.tenantId}/check) rules out this service's side (discovery, keys, assertion).`,
      { expose: true, detail: { ...detail, causes } },
    );
  }
  if (f.name === 'AccessDeniedException') {
    // A modelled reason is certain; without one, the usual cause is assignment, but a role
    // not allowed to call CreateTokenWithIAM on the application gets the same answer.
    if (f.reason?.startsWith('KMS_')) {
      return new AppError(
        'tenant_misconfigured',
        502,
        `Identity Center could not use the customer's KMS key for tenant '${ctx.tenantId}' (${f.reason}): ${f.message} The customer must allow the Identity Center instance to use its KMS key.`,
        { expose: true, detail },
      );
    }
    const causes: Cause[] = [
      {
        check: 'assignment',
        sent: `${ctx.claim?.name ?? 'email'} = '${ctx.claim?.value ?? ''}'`,
        mustHold:
          "when the data accessor's Identity Center application requires assignment, the user this maps to (or one of their groups) must be assigned to it.",
      },
      {
        check: 'caller_permission',
        sent: `role = '${ctx.roleArn ?? '(unknown)'}'`,
        mustHold: `the call was signed with a session of this role, which must be allowed sso-oauth:CreateTokenWithIAM on ${ctx.idcApplicationArn ?? "the data accessor's application"} (the data accessor's principal).`,
      },
    ];
    return new AppError(
      'identity_access_denied',
      403,
      `Identity Center denied the exchange for a user of tenant '${ctx.tenantId}' (AccessDeniedException). ${awsSaid(f)} Candidate causes: ${listed(causes)}`,
      { detail: { ...detail, causes } },
    );
  }
  if (/InvalidClient|InvalidRequestRegion|UnauthorizedClient|InvalidRequest|UnsupportedGrantType|InvalidScope/.test(f.name)) {
    return new AppError(
      'tenant_misconfigured',
      502,
      `Identity Center rejected tenant '${ctx.tenantId}' settings (${f.name}): ${f.message} Check idcApplicationArn and idcRegion.`,
      { expose: true, detail },
    );
  }
  return undefined;
}

function fromSearch(f: AwsFailure, ctx: FailureContext, detail: Detail): AppError | undefined {
  if (f.name === 'ValidationException') {
    const fields = (f.fields ?? []).map((x) => ({ field: x.name, message: x.message }));
    return new AppError('invalid_search', 400, `Q Business rejected the search: ${f.message}`, { fields, detail });
  }
  if (/^(AccessDenied|ExpiredToken)/.test(f.name)) {
    return new AppError(
      'data_accessor_denied',
      403,
      `Q Business denied the data accessor for tenant '${ctx.tenantId}': ${f.message} Check that the customer's data accessor lists this tenant id as its tenant (external) id and the ISV role as principal.`,
      { detail },
    );
  }
  if (f.name === 'LicenseNotFoundException') {
    return new AppError('user_not_licensed', 403, `The user has no active Amazon Q Business subscription in tenant '${ctx.tenantId}': ${f.message}`, {
      detail,
    });
  }
  if (f.name === 'ResourceNotFoundException') {
    return new AppError(
      'tenant_misconfigured',
      502,
      `Q Business could not find a resource of tenant '${ctx.tenantId}': ${f.message} Check qbusinessApplicationId, retrieverId and qbusinessRegion.`,
      { expose: true, detail },
    );
  }
  return undefined;
}
