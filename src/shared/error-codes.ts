// Every stable error code, one list per audience. An AppError's code must be one of them
// (the compiler checks it), and the lists are what the docs are checked against:
// docs/broker.md documents BROKER_API_CODES and SETUP_CHECK_CODES row for row
// (test/unit/error-codes-docs.test.ts). Codes are part of the API: add, never rename.

/** problem+json `code` of the broker API (/api/v1), documented in docs/broker.md#errors. */
export const BROKER_API_CODES = [
  // the service token and its scope
  'invalid_token',
  'token_expired',
  'insufficient_scope',
  'tenant_not_allowed',
  'service_not_allowed',
  // the user named in the request
  'invalid_user_token',
  'user_token_expired',
  'user_not_in_tenant',
  'user_disabled',
  'backend_access_not_allowed',
  // the tenant
  'tenant_not_found',
  'tenant_exists',
  'tenant_not_active',
  'tenant_not_configured',
  'tenant_not_pending',
  'endpoint_not_allowed',
  // trusted external issuers' user tokens (src/federation/external-tokens.ts) and the upstreams admin routes
  'upstream_email_missing',
  'upstream_claims_invalid',
  'upstream_email_unverified',
  'upstream_tenant_mismatch',
  'upstream_tenant_unmapped',
  'upstream_unavailable',
  'upstream_misconfigured',
  'upstream_not_found',
  'upstream_exists',
  // the request itself
  'validation_failed',
  'invalid_json',
  'payload_too_large',
  'unsupported_media_type',
  'body_too_complex',
  'bad_request',
  'not_found',
  'method_not_allowed',
  // AWS's answers (src/broker/errors.ts translates them)
  'assertion_rejected',
  'identity_access_denied',
  'user_not_licensed',
  'data_accessor_denied',
  'identity_context_rejected',
  'tenant_misconfigured',
  'aws_credentials_invalid',
  'invalid_search',
  'throttled',
  'aws_unavailable',
  'aws_request_failed',
  // authorization-code tenants: the connect step (API, the /idc/callback page, and the codes
  // the callback sends back to the ISV's return URL)
  'connect_required',
  'not_authorization_code_tenant',
  'connect_state_invalid',
  'connect_state_expired',
  'connect_wrong_user',
  'connect_code_rejected',
  'connect_denied',
  'connect_failed',
  // the admin API's users, clients and keys
  'global_admin_required',
  'user_not_found',
  'user_exists',
  'client_not_found',
  'client_exists',
  'data_accessor_client_exists',
  'client_has_no_secret',
  'conflict',
  'cannot_remove_self',
  // this service
  'service_unavailable',
  'internal_error',
] as const;
export type BrokerApiCode = (typeof BROKER_API_CODES)[number];

/** Codes of the setup check's local pre-checks (a step's `error.code`; never an HTTP answer). */
export const SETUP_CHECK_CODES = ['discovery_invalid', 'signing_key_missing', 'assertion_invalid'] as const;
export type SetupCheckCode = (typeof SETUP_CHECK_CODES)[number];

/** Codes shown on the provider's own pages (sign-in, consent, the demo app, tenant self-service). */
export const IDP_PAGE_CODES = [
  'csrf_failed',
  'no_sign_in',
  'server_busy',
  'payload_too_large',
  'unsupported_media_type',
  'validation_failed',
  'link_invalid',
  'link_expired',
  'forbidden_origin',
  'check_in_progress',
  'too_many_checks',
  'service_unavailable',
  'internal_error',
  // federated sign-in (src/federation/login.ts, identity.ts)
  'upstream_unavailable',
  'upstream_misconfigured',
  'upstream_token_error',
  'upstream_unknown',
  'upstream_refused',
  'upstream_id_token_invalid',
  'upstream_email_missing',
  'upstream_email_unverified',
  'upstream_tenant_unmapped',
  'upstream_tenant_mismatch',
  'upstream_tenant_ambiguous',
  'upstream_flow_expired',
  'upstream_claims_invalid',
  'upstream_not_found',
  'account_has_password',
  'account_linked_elsewhere',
  'email_in_use',
  'user_disabled',
  'tenant_unavailable',
  // two-step sign-in: an authenticator was set up meanwhile (another tab)
  'mfa_enrolled',
] as const;
export type IdpPageCode = (typeof IDP_PAGE_CODES)[number];

/** `error.code` of the admin CLI's --json output (and of the services behind it). */
export const CLI_CODES = [
  'usage',
  'file_unreadable',
  'invalid_configuration',
  'validation_failed',
  'import_invalid',
  'tenant_not_found',
  'tenant_exists',
  'tenant_not_pending',
  'user_not_found',
  'user_exists',
  'client_not_found',
  'client_exists',
  'data_accessor_client_exists',
  'endpoint_not_allowed',
  'service_unavailable',
  'internal_error',
  'upstream_not_found',
  'upstream_exists',
  // local mode's database, and server mode's profiles and connection (a server's own codes pass through)
  'no_database',
  'profile_insecure',
  'profile_unreadable',
  'profile_not_found',
  'server_unreachable',
  'server_not_tti_bridge',
  'login_failed',
] as const;
export type CliCode = (typeof CLI_CODES)[number];

/** Codes on the admin console's error pages (/admin, docs/console.md#errors). */
export const CONSOLE_PAGE_CODES = [
  'signin_expired',
  'signin_failed',
  'signin_unavailable',
  'not_an_admin',
  'not_signed_in',
  'csrf_failed',
  'tenant_not_allowed',
  'admin_not_global',
  'tenant_not_found',
  'tenant_exists',
  'tenant_not_pending',
  'user_not_found',
  'client_not_found',
  'client_has_no_secret',
  'conflict',
  'file_not_found',
  'check_in_progress',
  'validation_failed',
  'unsupported_media_type',
  'payload_too_large',
  'not_found',
  'service_unavailable',
  'internal_error',
] as const;
export type ConsolePageCode = (typeof CONSOLE_PAGE_CODES)[number];

export type ErrorCode = BrokerApiCode | SetupCheckCode | IdpPageCode | CliCode | ConsolePageCode;
