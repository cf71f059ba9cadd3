// The AWS API requests the customer's administrator sends, as plain objects in the API
// models' own member names (what `aws ... --cli-input-json` takes). Values the kit cannot
// know (the customer's instance ARN, application id, the ARNs AWS returns) are shell
// variables `${NAME}` that the script defines; the test fills them in, validates every
// request against the service models and sends them to the sandbox.
import { TENANT_TAG_KEY } from './iam.js';

export type Service = 'sso-admin' | 'qbusiness';

export interface KitRequest {
  service: Service;
  /** The API operation (model name); the CLI command is its kebab-case form. */
  operation: string;
  /** Shell variable holding the region the call goes to. */
  regionVar: 'IDC_REGION' | 'QBUSINESS_REGION';
  input: Record<string, unknown>;
}

export const shellVar = (name: string) => `\${${name}}`;

/** The attribute mapping: our ID token's `email` claim names the Identity Center user by primary email. */
export const CLAIM_ATTRIBUTE_PATH = 'email';
export const IDENTITY_STORE_ATTRIBUTE_PATH = 'emails.value';
export const SEARCH_ACTION = 'qbusiness:SearchRelevantContent';

export interface RequestValues {
  tenantId: string;
  issuerUrl: string;
  /** The ISV's data-accessor role (the data accessor's principal). */
  roleArn: string;
  trustedTokenIssuerName: string;
  dataAccessorName: string;
}

export function customerRequests(v: RequestValues) {
  const assignmentConfiguration = (required: boolean): KitRequest => ({
    service: 'sso-admin',
    operation: 'PutApplicationAssignmentConfiguration',
    regionVar: 'IDC_REGION',
    input: { ApplicationArn: shellVar('IDC_APPLICATION_ARN'), AssignmentRequired: required },
  });
  return {
    createTrustedTokenIssuer: {
      service: 'sso-admin',
      operation: 'CreateTrustedTokenIssuer',
      regionVar: 'IDC_REGION',
      input: {
        InstanceArn: shellVar('INSTANCE_ARN'),
        Name: v.trustedTokenIssuerName,
        TrustedTokenIssuerType: 'OIDC_JWT',
        TrustedTokenIssuerConfiguration: {
          OidcJwtConfiguration: {
            IssuerUrl: v.issuerUrl,
            ClaimAttributePath: CLAIM_ATTRIBUTE_PATH,
            IdentityStoreAttributePath: IDENTITY_STORE_ATTRIBUTE_PATH,
            JwksRetrievalOption: 'OPEN_ID_DISCOVERY',
          },
        },
      },
    },
    createDataAccessor: {
      service: 'qbusiness',
      operation: 'CreateDataAccessor',
      regionVar: 'QBUSINESS_REGION',
      input: {
        applicationId: shellVar('APPLICATION_ID'),
        principal: v.roleArn,
        displayName: v.dataAccessorName,
        actionConfigurations: [{ action: SEARCH_ACTION }],
        authenticationDetail: {
          authenticationType: 'AWS_IAM_IDC_TTI',
          authenticationConfiguration: { idcTrustedTokenIssuerConfiguration: { idcTrustedTokenIssuerArn: shellVar('TRUSTED_TOKEN_ISSUER_ARN') } },
          externalIds: [v.tenantId],
        },
      },
    },
    /** With an assignment: only the assigned user or group may search through the ISV. */
    requireAssignment: assignmentConfiguration(true),
    /** Without one: every user of the Identity Center instance whose email our users sign in with. */
    noAssignmentRequired: assignmentConfiguration(false),
    createApplicationAssignment: {
      service: 'sso-admin',
      operation: 'CreateApplicationAssignment',
      regionVar: 'IDC_REGION',
      input: {
        ApplicationArn: shellVar('IDC_APPLICATION_ARN'),
        PrincipalId: shellVar('ASSIGN_PRINCIPAL_ID'),
        PrincipalType: shellVar('ASSIGN_PRINCIPAL_TYPE'),
      },
    },
    /**
     * AWS's CLI walkthrough for data accessors also adds a resource-policy statement for the
     * ISV's role, conditioned on the Tenant ID session tag. The console does not ask for it; the
     * script runs it only when ASSOCIATE_PERMISSION=yes.
     */
    associatePermission: {
      service: 'qbusiness',
      operation: 'AssociatePermission',
      regionVar: 'QBUSINESS_REGION',
      input: {
        applicationId: shellVar('APPLICATION_ID'),
        statementId: v.dataAccessorName,
        actions: [SEARCH_ACTION],
        principal: v.roleArn,
        conditions: [{ conditionOperator: 'StringEquals', conditionKey: `aws:PrincipalTag/${TENANT_TAG_KEY}`, conditionValues: [v.tenantId] }],
      },
    },
  } satisfies Record<string, KitRequest>;
}

export type CustomerRequests = ReturnType<typeof customerRequests>;

/** `CreateTrustedTokenIssuer` → `create-trusted-token-issuer`. */
export const cliOperation = (operation: string) => operation.replace(/(?<=[a-z])(?=[A-Z])/g, '-').toLowerCase();
