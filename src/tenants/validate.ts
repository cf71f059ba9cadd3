// Tenant input rules. The tenant id becomes an STS session tag value and the Q Business
// data accessor's external id, hence the conservative alphabet and the 256-character cap
// (the session-tag value limit).
import type { FieldProblem } from '../shared/errors.js';

export const TENANT_ID = /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/;
export const TENANT_ID_MAX = 256;

/** The data-accessor details without which the broker cannot act for the tenant. */
export const REQUIRED_DETAILS = ['qbusinessApplicationId', 'qbusinessRegion', 'retrieverId', 'idcApplicationArn', 'idcRegion', 'roleArn'] as const;
export const OPTIONAL_URLS = ['stsEndpoint', 'ssoOidcEndpoint', 'qbusinessEndpoint'] as const;
export const FLAGS = ['allowBackendAccess', 'auditQueryText'] as const;
/** How the broker obtains a user's identity context (see docs/broker.md, "Authorization-code tenants"). */
export const AUTH_MODES = ['trusted-token-issuer', 'authorization-code'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];
export const AUTH_DETAILS = ['authMode', 'authCodeRedirectUri'] as const;
/** The path of the callback this service serves; the registered redirect URI must point at it. */
export const IDC_CALLBACK_PATH = '/idc/callback';
export const STRING_DETAILS = [...REQUIRED_DETAILS, ...OPTIONAL_URLS, ...AUTH_DETAILS] as const;

export type StringDetail = (typeof STRING_DETAILS)[number];
export type Flag = (typeof FLAGS)[number];
/** Second factor for the tenant's local accounts (docs/security.md, "Two-step sign-in"). */
export const MFA_POLICIES = ['off', 'optional', 'required'] as const;
export type MfaPolicy = (typeof MFA_POLICIES)[number];

const Q_ID = /^[a-zA-Z0-9][a-zA-Z0-9-]{35}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const IDC_APP_ARN = /^arn:aws[a-z-]*:sso::\d{12}:application\/ssoins-[a-zA-Z0-9]{16}\/apl-[a-zA-Z0-9]{16}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
  } catch {
    return false;
  }
}

const ENDPOINTS = '(an AWS endpoint, or an origin listed in ENDPOINT_ALLOWLIST)';

/** https (http only on a loopback host, for local runs), no credentials, query or fragment, path /idc/callback. */
export function isRedirectUri(v: string): boolean {
  try {
    const u = new URL(v);
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
    return (
      (u.protocol === 'https:' || (u.protocol === 'http:' && loopback)) &&
      !u.username &&
      !u.password &&
      !u.search &&
      !u.hash &&
      !v.includes('#') &&
      u.pathname === IDC_CALLBACK_PATH
    );
  } catch {
    return false;
  }
}

const RULES: Record<StringDetail, { test: (v: string) => boolean; expected: string }> = {
  qbusinessApplicationId: {
    test: (v) => Q_ID.test(v),
    expected: 'a Q Business application ID: 36 letters, digits or hyphens, e.g. a1b2c3d4-5678-90ab-cdef-example11111',
  },
  retrieverId: { test: (v) => Q_ID.test(v), expected: 'a Q Business retriever ID: 36 letters, digits or hyphens, e.g. a1b2c3d4-5678-90ab-cdef-example22222' },
  qbusinessRegion: { test: (v) => REGION.test(v), expected: 'an AWS region like us-east-1' },
  idcRegion: { test: (v) => REGION.test(v), expected: 'an AWS region like us-east-1' },
  idcApplicationArn: {
    test: (v) => IDC_APP_ARN.test(v),
    expected: 'an IAM Identity Center application ARN like arn:aws:sso::123456789012:application/ssoins-0123456789abcdef/apl-0123456789abcdef',
  },
  roleArn: { test: (v) => ROLE_ARN.test(v), expected: 'an IAM role ARN like arn:aws:iam::123456789012:role/MyDataAccessorRole' },
  stsEndpoint: { test: isHttpUrl, expected: `an http(s) URL like https://sts.us-east-1.amazonaws.com ${ENDPOINTS}` },
  ssoOidcEndpoint: { test: isHttpUrl, expected: `an http(s) URL like https://oidc.us-east-1.amazonaws.com ${ENDPOINTS}` },
  qbusinessEndpoint: { test: isHttpUrl, expected: `an http(s) URL like https://qbusiness.us-east-1.api.aws ${ENDPOINTS}` },
  authMode: { test: (v) => (AUTH_MODES as readonly string[]).includes(v), expected: `one of ${AUTH_MODES.join(', ')}` },
  authCodeRedirectUri: {
    test: isRedirectUri,
    expected: `the redirect URI registered with AWS for this service: <ISSUER>${IDC_CALLBACK_PATH} (https; http only on localhost)`,
  },
};

/** Fields that cannot be cleared (the column has a default instead). */
const NOT_NULL: readonly string[] = ['authMode'];

export function checkTenantId(id: unknown, problems: FieldProblem[]): void {
  if (typeof id !== 'string' || id === '') problems.push({ field: 'id', message: 'is required' });
  else if (id.length > TENANT_ID_MAX || !TENANT_ID.test(id)) {
    problems.push({
      field: 'id',
      message: `must be 1-${TENANT_ID_MAX} characters: letters, digits, '_' or '-', starting with a letter or digit`,
    });
  }
}

export function checkTenantName(name: unknown, problems: FieldProblem[]): void {
  if (typeof name !== 'string' || name.trim() === '') problems.push({ field: 'name', message: 'is required' });
  else if (name.length > 256) problems.push({ field: 'name', message: 'must be at most 256 characters' });
}

/**
 * Checks the detail fields present in `input` and returns them normalised (trimmed;
 * an empty string or null clears an optional field). Unknown fields are problems too,
 * so a misspelt option is not silently ignored.
 */
export function checkDetails(input: Record<string, unknown>, allowed: readonly string[], problems: FieldProblem[]) {
  const out: Partial<Record<StringDetail, string | null>> & Partial<Record<Flag, boolean>> & { mfaPolicy?: MfaPolicy } = {};
  for (const [field, raw] of Object.entries(input)) {
    if (raw === undefined) continue;
    if ((FLAGS as readonly string[]).includes(field)) {
      if (typeof raw !== 'boolean') problems.push({ field, message: 'must be true or false' });
      else out[field as Flag] = raw;
    } else if (field === 'mfaPolicy') {
      if (!(MFA_POLICIES as readonly unknown[]).includes(raw)) problems.push({ field, message: `must be one of ${MFA_POLICIES.join(', ')}` });
      else out.mfaPolicy = raw as MfaPolicy;
    } else if (field in RULES) {
      const rule = RULES[field as StringDetail];
      const value = typeof raw === 'string' ? raw.trim() : raw;
      if ((value === null || value === '') && NOT_NULL.includes(field)) problems.push({ field, message: `must be ${rule.expected}` });
      else if (value === null || value === '') out[field as StringDetail] = null;
      else if (typeof value !== 'string' || !rule.test(value)) problems.push({ field, message: `must be ${rule.expected}` });
      else out[field as StringDetail] = value;
    } else if (!allowed.includes(field)) {
      problems.push({ field, message: 'is not a tenant field' });
    }
  }
  return out;
}
