// Broker error codes (stable, documented in docs/broker.md) and the translation of
// AWS failures into them. This is the one place an AWS failure becomes an AppError.
import { AppError } from '../shared/errors.js';
import type { AwsFailure } from './aws-error.js';

export const brokerErrors = {
  tenantNotFound: (id: string) => new AppError('tenant_not_found', 404, `Tenant '${id}' does not exist.`),
  tenantNotActive: (id: string, status: string) =>
    new AppError('tenant_not_active', 403, `Tenant '${id}' is ${status}; searches are allowed only for active tenants. Enable it with the admin API or CLI.`),
  tenantNotConfigured: (id: string, missing: string[]) =>
    new AppError('tenant_not_configured', 409, `Tenant '${id}' is missing data-accessor settings: ${missing.join(', ')}.`, { detail: { missing } }),
  userNotInTenant: (tenantId: string) =>
    new AppError('user_not_in_tenant', 403, `The user does not exist in tenant '${tenantId}'.`),
  userDisabled: (tenantId: string) => new AppError('user_disabled', 403, `The user is disabled in tenant '${tenantId}'.`),
  backendAccessNotAllowed: (tenantId: string) =>
    new AppError('backend_access_not_allowed', 403, `Tenant '${tenantId}' does not allow searches by user id; send a user token issued by this provider, or set allowBackendAccess on the tenant.`),
  serviceNotAllowed: (clientId: string, tenantId: string) =>
    new AppError('service_not_allowed', 403, `Service client '${clientId}' is not allowed to act for tenant '${tenantId}'. Add the tenant to the client's allowed tenants.`),
  tenantNotAllowed: (clientId: string, tenantId: string) =>
    new AppError('tenant_not_allowed', 403, `Service client '${clientId}' may not administer tenant '${tenantId}'. Add the tenant to the client's allowed tenants.`),
  insufficientScope: (scope: string) =>
    new AppError('insufficient_scope', 403, `The access token lacks the '${scope}' scope.`, { detail: { requiredScope: scope } }),
  missingToken: () =>
    new AppError('invalid_token', 401, 'Send a client-credentials access token as "Authorization: Bearer <token>".'),
};

const detailOf = (f: AwsFailure) => ({ step: f.step, awsError: f.name, awsRequestId: f.requestId, awsMessage: f.message });

export interface MappingContext {
  tenantId: string;
  roleArn?: string;
  /** The claim and value sent in the assertion, so support can find the directory entry. */
  claim?: { name: string; value: string };
}

export function translateAwsFailure(f: AwsFailure, ctx: MappingContext): AppError {
  const detail = detailOf(f);
  if (f.throttled) {
    return new AppError('throttled', 429, `AWS throttled the ${f.step} call for tenant '${ctx.tenantId}'; retry after ${f.retryAfterSeconds ?? 1} s.`,
      { retryAfter: f.retryAfterSeconds ?? 1, detail });
  }
  if (f.unavailable) {
    const status = f.status === 503 || f.name === 'NetworkError' ? 503 : 502;
    return new AppError('aws_unavailable', status, `AWS is unavailable at the ${f.step} step (${f.name}); retry later.`, { expose: true, retryAfter: status === 503 ? 5 : undefined, detail });
  }
  return (f.step === 'create_token' ? fromCreateToken(f, ctx, detail) : f.step === 'search' ? fromSearch(f, ctx, detail) : fromSts(f, ctx, detail))
    ?? new AppError('aws_request_failed', 502, `AWS rejected the ${f.step} call: ${f.name}: ${f.message}`, { expose: true, detail });
}

type Detail = ReturnType<typeof detailOf>;

function fromSts(f: AwsFailure, ctx: MappingContext, detail: Detail): AppError | undefined {
  if (/^(InvalidClientTokenId|SignatureDoesNotMatch|ExpiredToken$|UnrecognizedClient)/.test(f.name)) {
    return new AppError('aws_credentials_invalid', 502, `AWS rejected the broker's base credentials (${f.name}); check the AWS credential chain of this service.`, { expose: true, detail });
  }
  if (f.name === 'AccessDenied' || f.name === 'AccessDeniedException') {
    return new AppError('data_accessor_denied', 403, `STS refused to assume role '${ctx.roleArn}' for tenant '${ctx.tenantId}': ${f.message} The role's trust policy must allow sts:AssumeRole, sts:TagSession and sts:SetContext for the ISV principal.`, { detail });
  }
  if (f.step === 'assume_role_context' && /ExpiredToken|InvalidParameter|ValidationError|PackedPolicy/.test(f.name)) {
    return new AppError('identity_context_rejected', 502, `STS rejected the Identity Center identity context for tenant '${ctx.tenantId}': ${f.message}`, { expose: true, detail });
  }
  if (/ValidationError|RegionDisabled|MalformedPolicy|InvalidParameter/.test(f.name)) {
    return new AppError('tenant_misconfigured', 502, `STS rejected tenant '${ctx.tenantId}' settings (${f.name}): ${f.message} Check roleArn and stsEndpoint.`, { expose: true, detail });
  }
  return undefined;
}

const ASSERTION_CHECKS = /claim '(iss|aud|exp|nbf|jti)'|'(aud|exp|jti|kid)' claim|signature|alg '|'kid'|not a signed JWT|issuer key|IssuerUrl|JWKS|discovery|already used|replay/i;

function fromCreateToken(f: AwsFailure, ctx: MappingContext, detail: Detail): AppError | undefined {
  if (f.name === 'InvalidGrantException') {
    // Identity Center says which check failed (our issuer, audience, signature, expiry,
    // replay): a setup problem on either side, not the user's. Anything else, including
    // AWS's bare "Invalid grant provided", is most often the attribute mapping (§6.4).
    if (ASSERTION_CHECKS.test(f.message)) {
      return new AppError('assertion_rejected', 502, `Identity Center rejected the broker's assertion for tenant '${ctx.tenantId}': ${f.message} Check the customer's trusted token issuer (issuer URL, authorized audience = our data accessor client id).`, { expose: true, detail });
    }
    const sent = ctx.claim ? `claim '${ctx.claim.name}' = '${ctx.claim.value}'` : 'the assertion';
    const mapped = /(?:attribute|on) '([\w.:-]+)'/i.exec(f.message)?.[1] ?? /attribute[^A-Za-z0-9]*([\w.:]+)/i.exec(f.message)?.[1]
      ?? 'the attribute configured on the trusted token issuer (usually emails.value)';
    return new AppError('identity_not_mapped', 403,
      `Identity Center could not map the user of tenant '${ctx.tenantId}': we sent ${sent}, and no Identity Center user has that value in ${mapped}. The customer must fix the user's attribute in their directory or the trusted token issuer's attribute mapping. AWS said: ${f.message}`,
      { detail: { ...detail, claim: ctx.claim?.name, claimValue: ctx.claim?.value, mappedAttribute: mapped } });
  }
  if (f.name === 'AccessDeniedException') {
    return new AppError('user_not_assigned', 403, `Identity Center denied the user of tenant '${ctx.tenantId}' (usually: not assigned to the data accessor's application, which requires assignment). Ask the customer to assign the user or their group. AWS said: ${f.message}`, { detail });
  }
  if (/InvalidClient|InvalidRequestRegion|UnauthorizedClient|InvalidRequest|UnsupportedGrantType|InvalidScope/.test(f.name)) {
    return new AppError('tenant_misconfigured', 502, `Identity Center rejected tenant '${ctx.tenantId}' settings (${f.name}): ${f.message} Check idcApplicationArn and idcRegion.`, { expose: true, detail });
  }
  return undefined;
}

function fromSearch(f: AwsFailure, ctx: MappingContext, detail: Detail): AppError | undefined {
  if (f.name === 'ValidationException') {
    const fields = (f.fields ?? []).map((x) => ({ field: x.name, message: x.message }));
    return new AppError('invalid_search', 400, `Q Business rejected the search: ${f.message}`, { fields, detail });
  }
  if (/^(AccessDenied|ExpiredToken)/.test(f.name)) {
    return new AppError('data_accessor_denied', 403, `Q Business denied the data accessor for tenant '${ctx.tenantId}': ${f.message} Check that the customer's data accessor lists this tenant id as its tenant (external) id and the ISV role as principal.`, { detail });
  }
  if (f.name === 'LicenseNotFoundException') {
    return new AppError('user_not_licensed', 403, `The user has no active Amazon Q Business subscription in tenant '${ctx.tenantId}': ${f.message}`, { detail });
  }
  if (f.name === 'ResourceNotFoundException') {
    return new AppError('tenant_misconfigured', 502, `Q Business could not find a resource of tenant '${ctx.tenantId}': ${f.message} Check qbusinessApplicationId, retrieverId and qbusinessRegion.`, { expose: true, detail });
  }
  return undefined;
}
