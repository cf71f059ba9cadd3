// Who may search as whom: the service client must be allowed for the tenant, the tenant
// must be active and configured, and the user must be proven (a token we issued to them)
// or, where the tenant allows backend access, named by id or email. A token from a trusted
// external issuer (src/federation/external-tokens.ts) proves the user too. Checked on every request.
import { missingDetails } from '../tenants/tenants.js';
import type { Directory, TenantAws, TenantRecord, TokenVerifier, UserRecord } from './ports.js';
import { brokerErrors } from './errors.js';
import type { EndpointPolicy } from '../tenants/endpoints.js';

export type UserRef = { token: string } | { id: string } | { email: string };

/** Tokens from the ISV's own identity provider (trusted external issuers). */
export interface ExternalUserTokens {
  isExternal(token: string): boolean;
  /** Verified, mapped to the tenant, the user resolved (or provisioned) by email. */
  resolve(token: string, tenantId: string): Promise<UserRecord>;
}

export interface Caller {
  clientId: string;
  scopes: string[];
  /** The service token's jti, when its revocation is still to be checked (the search route). */
  tokenId?: string;
}

/** What a service client may see: every tenant (`*`) or the listed ones. */
/** `named`: the tenants listed beside `*` (SCIM reaches ADMIN_TENANT only when it is named). */
export type TenantScope = { all: true; named?: string[] } | { all: false; tenants: string[] };

export const inScope = (scope: TenantScope, tenantId: string) => scope.all || scope.tenants.includes(tenantId);

export function createAccess(deps: {
  directory: Directory;
  verifier: TokenVerifier;
  endpoints: Pick<EndpointPolicy, 'assertUsable'>;
  external?: ExternalUserTokens;
  /** ADMIN_TENANT: its users are the console's administrators, so only a `*` client may act on it. */
  operatorTenant?: string;
}) {
  /**
   * The caller's allowed tenants; a client removed since its token was issued is refused here too.
   * A tenant-limited client never covers the operator tenant, even when listed: writing its users
   * (groups, passwords, SCIM) would make a global console administrator (privilege escalation).
   */
  async function tenantScope(caller: Caller): Promise<TenantScope> {
    const [allowed, revoked] = await Promise.all([
      deps.directory.allowedTenants(caller.clientId),
      caller.tokenId ? deps.verifier.isRevoked(caller.tokenId) : false,
    ]);
    if (revoked) throw brokerErrors.tokenRevoked();
    if (!allowed) throw brokerErrors.clientRemoved();
    return allowed.includes('*')
      ? { all: true, named: allowed.filter((t) => t !== '*') }
      : { all: false, tenants: allowed.filter((t) => t !== deps.operatorTenant) };
  }

  async function authorizeService(caller: Caller, tenantId: string, refuse = brokerErrors.serviceNotAllowed): Promise<void> {
    if (!inScope(await tenantScope(caller), tenantId)) throw refuse(caller.clientId, tenantId);
  }

  /** Admin routes: the same allowed tenants as searches; the refusal never says whether the tenant exists. */
  const authorizeAdmin = (caller: Caller, tenantId: string) => authorizeService(caller, tenantId, brokerErrors.tenantNotAllowed);

  /** allowPending: the self-service check runs before the tenant turns active. */
  async function activeTenant(tenantId: string, opts: { allowPending?: boolean } = {}): Promise<{ record: TenantRecord; aws: TenantAws }> {
    const t = await deps.directory.tenant(tenantId);
    if (!t) throw brokerErrors.tenantNotFound(tenantId);
    if (t.status !== 'active' && !(opts.allowPending && t.status === 'pending')) throw brokerErrors.tenantNotActive(tenantId, t.status);
    const aws = tenantAws(t);
    // A row written before the allowlist, or straight into the database, is refused here:
    // nothing (no assertion, no signed request) is ever sent to a host that is not allowed.
    deps.endpoints.assertUsable(t.id, aws);
    return { record: t, aws };
  }

  /** Verifies the user reference and loads the user; tenant rules are applied by userOfTenant. */
  async function loadUser(ref: UserRef, tenantId: string): Promise<{ user: UserRecord | null; tokenTenant?: string }> {
    if ('email' in ref) return { user: await deps.directory.userByEmail(tenantId, ref.email) };
    if ('id' in ref) return { user: await deps.directory.user(ref.id) };
    const claims = await deps.verifier.verifyUserToken(ref.token);
    return { user: await deps.directory.user(claims.sub), tokenTenant: claims.tenantId };
  }

  /**
   * All checks for one request. The three lookups run concurrently (one database round
   * trip of latency instead of three); errors are still reported in a fixed order.
   */
  async function authorize(caller: Caller, tenantId: string, ref: UserRef) {
    // An external token may create a user: it is resolved only once the caller and tenant passed.
    const external = 'token' in ref && deps.external?.isExternal(ref.token) ? deps.external : undefined;
    const [svc, tenant, loaded] = await Promise.allSettled([
      authorizeService(caller, tenantId),
      activeTenant(tenantId),
      external ? Promise.resolve({ user: null }) : loadUser(ref, tenantId),
    ]);
    if (svc.status === 'rejected') throw svc.reason;
    if (tenant.status === 'rejected') throw tenant.reason;
    if (!('token' in ref) && !tenant.value.record.allowBackendAccess) throw brokerErrors.backendAccessNotAllowed(tenantId);
    if (loaded.status === 'rejected') throw loaded.reason;
    const user = external ? { user: await external.resolve((ref as { token: string }).token, tenantId), tokenTenant: tenantId } : loaded.value;
    return { ...tenant.value, user: userOfTenant(tenant.value.record, user) };
  }

  /**
   * The connect callback: the user named by a consumed connect state, re-checked now (the
   * tenant still active, the user still enabled and in it); the service was checked at start.
   */
  async function tenantUser(tenantId: string, userId: string) {
    const [tenant, user] = await Promise.all([activeTenant(tenantId), deps.directory.user(userId)]);
    return { ...tenant, user: userOfTenant(tenant.record, { user }) };
  }

  return { activeTenant, authorize, authorizeAdmin, tenantScope, tenantUser };
}

/** The user, if it belongs to the tenant and is enabled; a token's tenant must match too. */
export function userOfTenant(tenant: TenantRecord, loaded: { user: UserRecord | null; tokenTenant?: string }): UserRecord {
  // A token carrying another tenant is refused even if the user ids happened to collide.
  if (loaded.tokenTenant !== undefined && loaded.tokenTenant !== tenant.id) throw brokerErrors.userNotInTenant(tenant.id);
  const { user } = loaded;
  if (!user || user.tenantId !== tenant.id) throw brokerErrors.userNotInTenant(tenant.id);
  if (user.disabled) throw brokerErrors.userDisabled(tenant.id);
  return user;
}

export function tenantAws(t: TenantRecord): TenantAws {
  const missing = missingDetails(t);
  if (missing.length) throw brokerErrors.tenantNotConfigured(t.id, missing);
  return {
    id: t.id,
    roleArn: t.roleArn!,
    idcApplicationArn: t.idcApplicationArn!,
    idcRegion: t.idcRegion!,
    qbusinessApplicationId: t.qbusinessApplicationId!,
    qbusinessRegion: t.qbusinessRegion!,
    retrieverId: t.retrieverId!,
    stsEndpoint: t.stsEndpoint,
    ssoOidcEndpoint: t.ssoOidcEndpoint,
    qbusinessEndpoint: t.qbusinessEndpoint,
    authMode: t.authMode ?? 'trusted-token-issuer',
    authCodeRedirectUri: t.authCodeRedirectUri ?? null,
  };
}

/**
 * The verifier as the broker uses it: a token also needs its client to still exist, so a
 * removed client's tokens (service tokens, and user tokens issued to it) stop working
 * within the directory's refresh window, on every route.
 */
export function clientBoundVerifier(verifier: TokenVerifier, directory: Pick<Directory, 'allowedTenants'>): TokenVerifier {
  const exists = async (clientId: string | undefined) => clientId !== undefined && (await directory.allowedTenants(clientId)) !== null;
  return {
    isRevoked: (tokenId) => verifier.isRevoked(tokenId),
    async verifyServiceToken(token, options) {
      const caller = await verifier.verifyServiceToken(token, options);
      if (!(await exists(caller.clientId))) throw brokerErrors.clientRemoved();
      return caller;
    },
    async verifyUserToken(token) {
      const claims = await verifier.verifyUserToken(token);
      if (!(await exists(claims.clientId))) throw brokerErrors.userClientRemoved();
      return claims;
    },
  };
}

export function requireScope(caller: Caller, scope: string): void {
  if (!caller.scopes.includes(scope)) throw brokerErrors.insufficientScope(scope);
}

export type Access = ReturnType<typeof createAccess>;
