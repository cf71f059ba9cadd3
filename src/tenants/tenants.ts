// The tenant registry: each ISV customer's workspace and its Q Business data-accessor
// details. Status is derived (pending until every required detail is set, then active)
// except `disabled`, which an operator sets and which sticks until enabled again.
import { isUniqueViolation, type Database } from '../db/database.js';
import { createIdcSessionTable } from '../db/idc-sessions.js';
import { tenantQueries, type Tenant } from '../db/tenants.js';
import { AppError, notFound, validationError, type FieldProblem } from '../shared/errors.js';
import { createEndpointPolicy, type EndpointPolicy } from './endpoints.js';
import { notify, type OnChange } from './events.js';
import { checkDetails, checkTenantId, checkTenantName, REQUIRED_DETAILS, type Flag, type MfaPolicy, type StringDetail } from './validate.js';

export type { Tenant };
export type TenantStatus = Tenant['status'];

export type TenantDetails = { [K in StringDetail]?: string | null } & { [K in Flag]?: boolean } & { mfaPolicy?: MfaPolicy };
export interface NewTenant extends TenantDetails {
  id: string;
  name: string;
}
export interface TenantUpdate extends TenantDetails {
  name?: string;
}

export interface TenantService {
  add(input: NewTenant): Promise<Tenant>;
  /**
   * keepPending (self-service, which activates after its check): changes a tenant only while
   * it is pending, and it stays pending even when complete; otherwise 409 tenant_not_pending.
   */
  update(id: string, patch: TenantUpdate, opts?: { keepPending?: boolean }): Promise<Tenant>;
  get(id: string): Promise<Tenant | null>;
  list(): Promise<Tenant[]>;
  disable(id: string): Promise<Tenant>;
  enable(id: string): Promise<Tenant>;
  /**
   * Pending → active, and only that: when the tenant is still pending, complete, and (with
   * ifUpdatedAt) unchanged since then. Otherwise the tenant as it is, unchanged (a disabled
   * tenant stays disabled). Self-service calls it after a passing check.
   */
  activate(id: string, opts?: { ifUpdatedAt?: Date }): Promise<Tenant>;
}

export interface TenantServiceDeps {
  database: Database;
  /** Where endpoint overrides may point; without one, only AWS's own endpoints. */
  endpoints?: EndpointPolicy;
  now?: () => Date;
  onChange?: OnChange;
}

/** Which required details a tenant still lacks (empty when it can be active). */
export const missingDetails = (t: TenantDetails): string[] => [
  ...REQUIRED_DETAILS.filter((k) => !t[k]),
  ...(t.authMode === 'authorization-code' && !t.authCodeRedirectUri ? ['authCodeRedirectUri'] : []),
];

/** A tenant as the admin surfaces (CLI, admin API) show it: the row and the details it still lacks. */
export const tenantView = (t: Tenant) => ({ ...t, missingDetails: missingDetails(t) });

const notPending = (id: string, status: string) =>
  new AppError('tenant_not_pending', 409, `Tenant '${id}' is ${status}; only a pending tenant can be changed this way.`);

const derivedStatus = (t: TenantDetails): TenantStatus => (missingDetails(t).length ? 'pending' : 'active');

function checked(input: Record<string, unknown>, isNew: boolean, endpoints: EndpointPolicy) {
  const problems: FieldProblem[] = [];
  if (isNew) checkTenantId(input.id, problems);
  if (isNew || input.name !== undefined) checkTenantName(input.name, problems);
  const details = checkDetails(input, ['id', 'name'], problems);
  endpoints.check(details, problems);
  if (!isNew && input.id !== undefined) problems.push({ field: 'id', message: 'cannot be changed' });
  if (problems.length) throw validationError(problems);
  // checkDetails never lets authMode through as null (the column has a default instead).
  const { authMode, ...rest } = details;
  return { name: typeof input.name === 'string' ? input.name.trim() : undefined, details: { ...rest, ...(authMode ? { authMode } : {}) } };
}

export function createTenantService(deps: TenantServiceDeps): TenantService {
  const { database } = deps;
  const tenants = tenantQueries(database);
  const now = deps.now ?? (() => new Date());
  const endpoints = deps.endpoints ?? createEndpointPolicy({ production: true });

  // A non-string id (untyped callers) is simply not found, without a query.
  const get = (id: string) => (typeof id === 'string' ? tenants.get(id) : Promise.resolve(null));

  async function existing(id: string): Promise<Tenant> {
    const t = await get(id);
    if (!t) throw notFound('tenant', String(id));
    return t;
  }

  async function add(input: NewTenant): Promise<Tenant> {
    const { name, details } = checked({ ...input }, true, endpoints);
    const at = now();
    try {
      return await tenants.insert({ id: input.id, name: name!, ...details, status: derivedStatus(details), createdAt: at, updatedAt: at });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new AppError('tenant_exists', 409, `a tenant with id '${input.id}' already exists`);
      }
      throw err;
    }
  }

  async function update(id: string, patch: TenantUpdate, opts: { keepPending?: boolean } = {}): Promise<Tenant> {
    const { name, details } = checked({ ...patch }, false, endpoints);
    const changes = { ...details, ...(name ? { name } : {}) };
    const updated = await database.transaction().execute(async (trx) => {
      const tx = tenantQueries(trx);
      // Locked: a disable committed between this read and the write below must not be
      // overwritten by the status computed from the row as it was.
      const current = await tx.getForUpdate(id);
      if (!current) throw notFound('tenant', id);
      if (opts.keepPending) {
        // Conditional on the status in the same statement: a link held open while the tenant
        // turns active (or disabled) must not rewrite the connection of a live tenant.
        const changed = await tx.update(id, { ...changes, updatedAt: now() }, { status: 'pending' });
        if (!changed) throw notPending(id, current.status === 'pending' ? 'no longer pending' : current.status);
        return changed;
      }
      const merged = { ...current, ...details };
      const status = current.status === 'disabled' ? 'disabled' : derivedStatus(merged);
      const changed = await tx.update(id, { ...changes, status, updatedAt: now() });
      if (!changed) throw notFound('tenant', id);
      return changed;
    });
    notify(deps.onChange, { type: 'tenant_updated', tenantId: id });
    return updated;
  }

  return {
    add,
    update,
    get,
    list: () => tenants.list(),
    async disable(id) {
      if (typeof id !== 'string') throw notFound('tenant', String(id));
      // Its users' Identity Center sessions (authorization-code mode) end with it, in the same transaction.
      const t = await database.transaction().execute(async (trx) => {
        const disabled = await tenantQueries(trx).update(id, { status: 'disabled', updatedAt: now() });
        if (!disabled) throw notFound('tenant', id);
        await createIdcSessionTable(trx).dropTenant(id);
        return disabled;
      });
      notify(deps.onChange, { type: 'tenant_disabled', tenantId: id });
      return t;
    },
    async activate(id, opts = {}) {
      const current = await existing(id);
      if (current.status !== 'pending' || missingDetails(current).length) return current;
      const activated = await tenants.update(
        id,
        { status: 'active', updatedAt: now() },
        { status: 'pending', ...(opts.ifUpdatedAt ? { updatedAt: opts.ifUpdatedAt } : {}) },
      );
      if (activated) notify(deps.onChange, { type: 'tenant_updated', tenantId: id });
      return existing(id);
    },
    async enable(id) {
      if (typeof id !== 'string') throw notFound('tenant', String(id));
      const t = await database.transaction().execute(async (trx) => {
        const tx = tenantQueries(trx);
        const current = await tx.getForUpdate(id); // the status follows the details as committed
        if (!current) throw notFound('tenant', id);
        return tx.update(id, { status: derivedStatus(current), updatedAt: now() });
      });
      if (!t) throw notFound('tenant', id);
      notify(deps.onChange, { type: 'tenant_updated', tenantId: id });
      return t;
    },
  };
}
