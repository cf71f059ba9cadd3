// Runtime model of the simulated AWS accounts, built from a fixture and mutated by admin calls.
import type { AttributeFilter, DocumentAttribute, AttributeValue } from '../qbusiness/attributes.js';
import type { SearchIndex } from '../qbusiness/search-index.js';

export interface Principal {
  arn: string;
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface Role {
  arn: string;
  name: string;
  accountId: string;
  /** AROA… unique id, as in `AssumedRoleUser.AssumedRoleId`. */
  roleId: string;
  maxSessionDuration: number;
  trust: { principal: string; actions: Set<string> }[];
  permissions: Set<string>;
}

export interface IdcUser {
  id: string;
  userName: string;
  displayName: string;
  emails: string[];
  groups: string[];
  licensed: boolean;
  /** Sandbox sign-in password (authorization-code flow); absent = cannot sign in. */
  password?: string;
}

export interface TrustedTokenIssuer {
  arn: string;
  name: string;
  instanceArn: string;
  issuerUrl: string;
  claimAttributePath: string;
  identityStoreAttributePath: string;
}

export interface IdcInstance {
  instanceArn: string;
  instanceId: string;
  identityStoreId: string;
  accountId: string;
  region: string;
  users: IdcUser[];
  groups: Set<string>;
  trustedTokenIssuers: Map<string, TrustedTokenIssuer>;
}

export interface ActionConfiguration {
  action: string;
  filterConfiguration?: { documentAttributeFilter: AttributeFilter };
}

export interface DataAccessor {
  id: string;
  arn: string;
  applicationId: string;
  displayName: string;
  principal: string;
  externalId: string;
  authenticationType: 'AWS_IAM_IDC_TTI' | 'AWS_IAM_IDC_AUTH_CODE';
  /** The trusted token issuer of an AWS_IAM_IDC_TTI data accessor. */
  trustedTokenIssuerArn?: string;
  /** Redirect URIs of an AWS_IAM_IDC_AUTH_CODE data accessor: those its ISV registered with AWS. */
  redirectUris: string[];
  idcApplicationArn: string;
  audiences: string[];
  assignmentRequired: boolean;
  assignedUsers: Set<string>;
  assignedGroups: Set<string>;
  actionConfigurations: ActionConfiguration[];
  createdAt: number;
  updatedAt: number;
  clientToken?: string;
}

export interface Doc {
  id: string;
  title: string;
  uri: string;
  /** Lower-cased emails and group names; null = everyone in the application. */
  acl: { users: Set<string>; groups: Set<string> } | null;
  attributes: DocumentAttribute[];
  attributeMap: Map<string, AttributeValue>;
}

export interface Chunk {
  doc: number;
  text: string;
}

export interface Application {
  id: string;
  arn: string;
  name: string;
  accountId: string;
  region: string;
  instance: IdcInstance;
  retrievers: Set<string>;
  dataSourceId: string;
  docs: Doc[];
  chunks: Chunk[];
  /** BM25 index over `chunks`, built with the application. */
  index: SearchIndex;
  dataAccessors: Map<string, DataAccessor>;
}

/** What an identity-enhanced session knows about its Identity Center user. */
export interface IdentityContext {
  userId: string;
  userName: string;
  identityStoreId: string;
  instanceArn: string;
  applicationArn: string;
  /** Absent when the user signed in at Identity Center (authorization-code grant). */
  trustedTokenIssuerArn?: string;
  exp: number;
}

/** The session tag naming the tenant: a data accessor's external id (set by the ISV at AssumeRole). */
export const TENANT_TAG = 'qbusiness-dataaccessor:ExternalId';

export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  role: Role;
  arn: string;
  assumedRoleId: string;
  /** Value of the TENANT_TAG session tag, if any (the only tag any operation reads). */
  externalId?: string;
  identity?: IdentityContext;
  expiresAt: number;
}

export type Caller =
  | { kind: 'principal'; arn: string; accountId: string; principal: Principal }
  | { kind: 'session'; arn: string; accountId: string; session: Session };
