// The per-tenant onboarding kit: everything the ISV and the customer's administrator need to
// connect one tenant to the customer's Amazon Q Business application. Pure: a function of the
// tenant row, the issuer and the data-accessor client id, so the CLI and the admin API serve
// the same kit.
import { validationError, type FieldProblem } from '../../shared/errors.js';
import { isvRoleTemplate, permissionPolicy, TENANT_TAG_KEY, trustPolicy, type PolicyDocument } from './iam.js';
import { CLAIM_ATTRIBUTE_PATH, customerRequests, IDENTITY_STORE_ATTRIBUTE_PATH, type CustomerRequests } from './requests.js';
import { customerScript } from './script.js';
import { customerTemplate } from './customer-template.js';

export { customerRequests, cliOperation, shellVar, type KitRequest, type CustomerRequests } from './requests.js';
export { TENANT_TAG_KEY, PERMISSION_ACTIONS, TRUST_ACTIONS } from './iam.js';

export interface KitTenant {
  id: string;
  name: string;
  roleArn?: string | null;
  qbusinessApplicationId?: string | null;
  qbusinessRegion?: string | null;
  idcRegion?: string | null;
  retrieverId?: string | null;
}

export interface KitInput {
  tenant: KitTenant;
  /** Our OpenID Provider's issuer (ISSUER): what the customer's trusted token issuer trusts. */
  issuer: string;
  /** The data-accessor OIDC client id registered with AWS: the `aud` of our tokens. */
  dataAccessorClientId: string | null;
  /** The ISV's data-accessor role; default: the tenant's roleArn. */
  roleArn?: string | undefined;
  /** The principal tti-bridge runs as, trusted by the role; a placeholder when unknown. */
  applicationPrincipal?: string | undefined;
  /** Data accessor display name; default `tti-bridge-<tenant id>`. */
  displayName?: string | undefined;
}

export interface Kit {
  tenantId: string;
  /** What the customer's administrator enters (console) or checks (script). */
  values: {
    tenantId: string;
    issuerUrl: string;
    audience: string | null;
    principal: string;
    attributeMapping: { claim: string; identityStoreAttribute: string };
    trustedTokenIssuerName: string;
    dataAccessorName: string;
  };
  isv: { permissionPolicy: PolicyDocument; trustPolicy: PolicyDocument };
  requests: CustomerRequests;
  /** File name → content. */
  files: Record<string, string>;
  warnings: string[];
}

export const PRINCIPAL_PLACEHOLDER = 'arn:aws:iam::ISV_ACCOUNT_ID:role/YourApplicationRole';
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[a-zA-Z0-9_/+=,.@-]+$/;
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[a-zA-Z0-9_/+=,.@-]+$/;
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,99}$/;
// IAM Identity Center's TrustedTokenIssuerUrl pattern, https only: it fetches discovery over 443.
const ISSUER_URL = /^https:\/\/[-a-zA-Z0-9+&@/%=~_|!:,.;]*[-a-zA-Z0-9+&@/%=~_|]$/;

/** `[a-zA-Z0-9][a-zA-Z0-9_-]*`, at most 100 characters (data accessor names, statement ids). */
const nameFrom = (s: string) =>
  s
    .replace(/[^a-zA-Z0-9_-]+/g, '-')
    .replace(/^[^a-zA-Z0-9]+/, '')
    .slice(0, 100);

export function buildKit(input: KitInput, opts: { allowHttpIssuer?: boolean } = {}): Kit {
  const { tenant } = input;
  const problems: FieldProblem[] = [];
  const roleArn = input.roleArn ?? tenant.roleArn ?? '';
  if (!ROLE_ARN.test(roleArn)) {
    problems.push({
      field: 'roleArn',
      message: roleArn
        ? 'must be an IAM role ARN like arn:aws:iam::123456789012:role/QBusinessDataAccessorRole'
        : "is needed: the ISV's data-accessor role (the data accessor's principal); set it on the tenant or pass it",
    });
  }
  if (input.applicationPrincipal !== undefined && !PRINCIPAL_ARN.test(input.applicationPrincipal)) {
    problems.push({ field: 'applicationPrincipal', message: 'must be an IAM role or user ARN' });
  }
  const dataAccessorName = input.displayName ?? nameFrom(`tti-bridge-${tenant.id}`);
  if (!NAME.test(dataAccessorName))
    problems.push({ field: 'displayName', message: 'must be 1-100 characters: letters, digits, _ or -, starting with a letter or digit' });
  const issuerOk =
    input.issuer.length <= 512 &&
    (ISSUER_URL.test(input.issuer) || (opts.allowHttpIssuer === true && ISSUER_URL.test(input.issuer.replace(/^http:/, 'https:'))));
  if (!issuerOk) problems.push({ field: 'issuer', message: 'IAM Identity Center needs an https issuer URL of at most 512 characters (ISSUER)' });
  if (problems.length) throw validationError(problems);

  const trustedTokenIssuerName = `tti-bridge-${new URL(input.issuer).host}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 255);
  const requests = customerRequests({ tenantId: tenant.id, issuerUrl: input.issuer, roleArn, trustedTokenIssuerName, dataAccessorName });
  const warnings = [
    ...(input.dataAccessorClientId
      ? []
      : ['No data-accessor client yet: create it (tti-bridge clients add --kind data-accessor) and register its id with AWS as the audience.']),
    ...(input.applicationPrincipal ? [] : [`The trust policy names ${PRINCIPAL_PLACEHOLDER}: pass the principal tti-bridge runs as.`]),
  ];
  const isv = { permissionPolicy: permissionPolicy(), trustPolicy: trustPolicy(input.applicationPrincipal ?? PRINCIPAL_PLACEHOLDER) };
  const values = {
    tenantId: tenant.id,
    issuerUrl: input.issuer,
    audience: input.dataAccessorClientId,
    principal: roleArn,
    attributeMapping: { claim: CLAIM_ATTRIBUTE_PATH, identityStoreAttribute: IDENTITY_STORE_ATTRIBUTE_PATH },
    trustedTokenIssuerName,
    dataAccessorName,
  };
  const files = {
    'isv-permission-policy.json': `${JSON.stringify(isv.permissionPolicy, null, 2)}\n`,
    'isv-trust-policy.json': `${JSON.stringify(isv.trustPolicy, null, 2)}\n`,
    'isv-role.cfn.yaml': isvRoleTemplate({ roleName: roleArn.split('/').pop() as string, applicationPrincipal: input.applicationPrincipal }),
    'customer-setup.sh': customerScript(
      { ...tenant, tenantName: tenant.name, tenantId: tenant.id, applicationId: tenant.qbusinessApplicationId, issuerUrl: input.issuer },
      requests,
    ),
    'customer-data-accessor.cfn.yaml': customerTemplate(tenant.id, requests),
    'customer-values.txt': customerValuesText(values),
  };
  return { tenantId: tenant.id, values, isv, requests, files, warnings };
}

function customerValuesText(v: Kit['values']): string {
  return `Values for adding the data accessor (Amazon Q Business console → your application → Data accessors → Add)
Tenant ID:                 ${v.tenantId}
Trusted token issuer URL:  ${v.issuerUrl}
Audience (OIDC client ID): ${v.audience ?? '(not created yet)'}
Attribute mapping:         token claim '${v.attributeMapping.claim}' -> IAM Identity Center '${v.attributeMapping.identityStoreAttribute}' (Email)
Data accessor principal:   ${v.principal}
Trusted token issuer name: ${v.trustedTokenIssuerName} (any name will do)

The session tag the ISV sends with every request is ${TENANT_TAG_KEY} = ${v.tenantId}; a data
accessor only accepts requests carrying its own Tenant ID.
If your application uses a customer managed KMS key, allow ${v.principal} kms:Decrypt in the key
policy with the condition kms:ViaService = qbusiness.<region>.amazonaws.com.
`;
}
