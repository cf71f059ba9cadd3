// The broker's boundaries. The integrator implements AssertionMinter and TokenVerifier
// with the OpenID Provider; aws/ implements AwsGateway; storage/ implements Directory.

export interface AssertionMinter {
  mint(
    claims: { sub: string; email: string; email_verified: boolean; name?: string | null; tenant_id: string; groups: string[] },
    audience: string,
    ttlSeconds: number,
  ): Promise<string>;
}

export interface TokenVerifier {
  /** Client-credentials JWT access token for BROKER_AUDIENCE; throws AppError 401 invalid_token. */
  verifyServiceToken(token: string, options?: { deferRevocation?: boolean }): Promise<{ clientId: string; scopes: string[]; tokenId?: string }>;
  /** Whether a service token (by its jti) was revoked; needed after verifyServiceToken with deferRevocation. */
  isRevoked(tokenId: string): Promise<boolean>;
  /** An ID token or JWT access token our provider issued to a user; throws AppError 401 invalid_user_token or token_expired. */
  verifyUserToken(token: string): Promise<{ sub: string; tenantId?: string; clientId?: string }>;
}

/** The AWS-facing subset of a tenant: everything the exchange needs. */
export interface TenantAws {
  id: string;
  roleArn: string;
  idcApplicationArn: string;
  idcRegion: string;
  qbusinessApplicationId: string;
  qbusinessRegion: string;
  retrieverId: string;
  stsEndpoint?: string | null;
  ssoOidcEndpoint?: string | null;
  qbusinessEndpoint?: string | null;
  /** How the user's identity context is obtained; absent = trusted-token-issuer. */
  authMode?: 'trusted-token-issuer' | 'authorization-code' | string;
  /** authorization-code: the redirect URI registered with AWS (our /idc/callback). */
  authCodeRedirectUri?: string | null;
}

/** What CreateTokenWithIAM is asked to exchange. */
export type IdcGrant =
  | { grantType: 'jwt-bearer'; assertion: string }
  | { grantType: 'authorization_code'; code: string; redirectUri: string; codeVerifier: string }
  | { grantType: 'refresh_token'; refreshToken: string };

/** A tenant as stored: details not entered yet are null (the broker's checks treat them as missing). */
export interface TenantRecord extends NullableDetails<Omit<TenantAws, 'id'>> {
  id: string;
  name: string;
  status: 'pending' | 'active' | 'disabled';
  allowBackendAccess: boolean;
  auditQueryText: boolean;
  /** When the row was last written (the setup check reports which edit it used). */
  updatedAt?: Date;
}

type NullableDetails<T> = { [K in keyof T]?: T[K] | null };

export interface UserRecord {
  id: string;
  tenantId: string;
  email: string;
  emailVerified: boolean;
  name: string | null;
  groups: string[];
  disabled: boolean;
}

/** Read-only lookups the broker needs; the default reads Postgres (storage/directory.ts). */
export interface Directory {
  tenant(id: string): Promise<TenantRecord | null>;
  user(id: string): Promise<UserRecord | null>;
  userByEmail(tenantId: string, email: string): Promise<UserRecord | null>;
  /** Tenants a service client may act for; `['*']` = all; null = unknown client. */
  allowedTenants(clientId: string): Promise<string[] | null>;
  /** The OIDC client id the data accessor trusts (audience of minted assertions). */
  dataAccessorClientId(): Promise<string>;
}

/** Temporary AWS credentials. Held only in memory, never logged or returned. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export type Confidence = 'VERY_HIGH' | 'HIGH' | 'MEDIUM' | 'LOW' | 'NOT_AVAILABLE';

export interface AttributeValue {
  stringValue?: string;
  stringListValue?: string[];
  longValue?: number;
  dateValue?: Date;
}

export interface AttributeFilter {
  andAllFilters?: AttributeFilter[];
  orAllFilters?: AttributeFilter[];
  notFilter?: AttributeFilter;
  equalsTo?: { name: string; value: AttributeValue };
  containsAll?: { name: string; value: AttributeValue };
  containsAny?: { name: string; value: AttributeValue };
  greaterThan?: { name: string; value: AttributeValue };
  greaterThanOrEquals?: { name: string; value: AttributeValue };
  lessThan?: { name: string; value: AttributeValue };
  lessThanOrEquals?: { name: string; value: AttributeValue };
}

export interface SearchInput {
  queryText: string;
  maxResults?: number;
  nextToken?: string;
  attributeFilter?: AttributeFilter;
}

export interface SearchItem {
  content: string | null;
  documentId: string | null;
  documentTitle: string | null;
  documentUri: string | null;
  documentAttributes: { name: string; value: AttributeValue }[];
  confidence: Confidence | null;
}

export interface SearchPage {
  items: SearchItem[];
  nextToken: string | null;
  requestId?: string;
}

/** A search client bound to one set of identity-enhanced credentials. */
export interface Searcher {
  search(input: SearchInput): Promise<SearchPage>;
}

export interface AwsGateway {
  assumeRole(tenant: TenantAws, opts: { sessionName: string; identityContext?: string }): Promise<{ credentials: AwsCredentials; requestId?: string }>;
  /** A string is a jwt-bearer assertion. `refreshToken` only when Identity Center returned one. */
  createTokenWithIam(
    tenant: TenantAws,
    credentials: AwsCredentials,
    grant: string | IdcGrant,
  ): Promise<{ identityContext: string; refreshToken?: string; requestId?: string }>;
  searcher(tenant: TenantAws, credentials: AwsCredentials): Searcher;
  close(): void;
}

export type Clock = () => number;
