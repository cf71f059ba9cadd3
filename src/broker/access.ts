// Who may search as whom: the service client must be allowed for the tenant, the tenant
// must be active and configured, and the user must be proven (a token we issued to them)
// or, where the tenant allows backend access, named by id. Checked on every request.
import type { Directory, TenantAws, TenantRecord, TokenVerifier, UserRecord } from './ports.js';
import { brokerErrors } from './errors.js';

export type UserRef = { token: string } | { id: string };

export interface Caller {
  clientId: string;
  scopes: string[];
}

const REQUIRED: (keyof TenantAws)[] = ['roleArn', 'idcApplicationArn', 'idcRegion', 'qbusinessApplicationId', 'qbusinessRegion', 'retrieverId'];

export function createAccess(deps: { directory: Directory; verifier: TokenVerifier }) {
  async function authorizeService(caller: Caller, tenantId: string): Promise<void> {
    const allowed = await deps.directory.allowedTenants(caller.clientId);
    if (!allowed || !(allowed.includes('*') || allowed.includes(tenantId))) {
      throw brokerErrors.serviceNotAllowed(caller.clientId, tenantId);
    }
  }

  async function activeTenant(tenantId: string): Promise<{ record: TenantRecord; aws: TenantAws }> {
    const t = await deps.directory.tenant(tenantId);
    if (!t) throw brokerErrors.tenantNotFound(tenantId);
    if (t.status !== 'active') throw brokerErrors.tenantNotActive(tenantId, t.status);
    return { record: t, aws: tenantAws(t) };
  }

  async function resolveUser(tenant: TenantRecord, ref: UserRef): Promise<UserRecord> {
    let userId: string;
    if ('token' in ref) {
      const claims = await deps.verifier.verifyUserToken(ref.token);
      // A token carrying another tenant is refused even if the ids happened to collide.
      if (claims.tenantId !== undefined && claims.tenantId !== tenant.id) throw brokerErrors.userNotInTenant(tenant.id);
      userId = claims.sub;
    } else {
      if (!tenant.allowBackendAccess) throw brokerErrors.backendAccessNotAllowed(tenant.id);
      userId = ref.id;
    }
    const user = await deps.directory.user(userId);
    if (!user || user.tenantId !== tenant.id) throw brokerErrors.userNotInTenant(tenant.id);
    if (user.disabled) throw brokerErrors.userDisabled(tenant.id);
    return user;
  }

  return { authorizeService, activeTenant, resolveUser };
}

export function tenantAws(t: TenantRecord): TenantAws {
  const missing = REQUIRED.filter((k) => !t[k as keyof TenantRecord]);
  if (missing.length) throw brokerErrors.tenantNotConfigured(t.id, missing);
  return {
    id: t.id, roleArn: t.roleArn!, idcApplicationArn: t.idcApplicationArn!, idcRegion: t.idcRegion!,
    qbusinessApplicationId: t.qbusinessApplicationId!, qbusinessRegion: t.qbusinessRegion!, retrieverId: t.retrieverId!,
    stsEndpoint: t.stsEndpoint, ssoOidcEndpoint: t.ssoOidcEndpoint, qbusinessEndpoint: t.qbusinessEndpoint,
  };
}

export function requireScope(caller: Caller, scope: string): void {
  if (!caller.scopes.includes(scope)) throw brokerErrors.insufficientScope(scope);
}

export type Access = ReturnType<typeof createAccess>;
