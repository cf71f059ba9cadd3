// A dry-run exchange for support staff: checks our own side first, as Identity Center
// will see it (precheck.ts: discovery, published key, a verifying assertion), then runs
// every step of the exchange and one search for a named user, bypassing the cache, and
// reports which step failed and why (with the candidate causes when AWS is unspecific).
import type { Logger } from '../shared/logger.js';
import { AppError, type ErrorCode } from '../shared/errors.js';
import { userOfTenant, type Access } from './access.js';
import type { AuditTrail } from './audit.js';
import { failureContext, toAppError, type Cause } from './errors.js';
import type { Exchange, ExchangeTrace } from './exchange.js';
import type { Prechecks } from './precheck.js';
import type { Directory, TenantAws, TenantRecord, UserRecord } from './ports.js';

export interface CheckStep {
  step: string;
  ok: boolean;
  latencyMs?: number;
  requestId?: string;
  /** `hint` says how to fix a pre-check; `causes` lists what AWS's unspecific refusal may mean. */
  error?: { code: ErrorCode; message: string; hint?: string; causes?: Cause[] };
}

/** The tenant settings a check used, read fresh from the database (null: no such tenant). */
export interface CheckSettings {
  status: TenantRecord['status'];
  roleArn: string | null;
  idcApplicationArn: string | null;
  idcRegion: string | null;
  qbusinessApplicationId: string | null;
  qbusinessRegion: string | null;
  retrieverId: string | null;
  endpoints: { sts: string | null; ssoOidc: string | null; qbusiness: string | null };
  /** When the row was last written: which edit this check saw. */
  updatedAt: string | null;
}

export interface CheckReport {
  tenantId: string;
  userId: string | null;
  ok: boolean;
  failedStep: string | null;
  settings: CheckSettings | null;
  steps: CheckStep[];
}

function settingsOf(t: TenantRecord): CheckSettings {
  return {
    status: t.status,
    roleArn: t.roleArn ?? null,
    idcApplicationArn: t.idcApplicationArn ?? null,
    idcRegion: t.idcRegion ?? null,
    qbusinessApplicationId: t.qbusinessApplicationId ?? null,
    qbusinessRegion: t.qbusinessRegion ?? null,
    retrieverId: t.retrieverId ?? null,
    endpoints: { sts: t.stsEndpoint ?? null, ssoOidc: t.ssoOidcEndpoint ?? null, qbusiness: t.qbusinessEndpoint ?? null },
    updatedAt: t.updatedAt ? new Date(t.updatedAt).toISOString() : null,
  };
}

/** `access` and `directory` must read the database, not a cache: a check reports the rows as they are now. */
export function createCheck(deps: { access: Access; directory: Directory; exchange: Exchange; prechecks: Prechecks; audit: AuditTrail; logger: Logger }) {
  /** The named user, if they belong to the tenant (the lookup by email is already per tenant). */
  async function findUser(tenantId: string, who: { userId?: string; email?: string }): Promise<UserRecord | null> {
    const u = who.userId ? await deps.directory.user(who.userId) : await deps.directory.userByEmail(tenantId, who.email ?? '');
    return u && u.tenantId === tenantId ? u : null;
  }

  /** opts.allowPending: the onboarding page checks a tenant before it turns active. */
  return async function check(
    callerId: string,
    tenantId: string,
    who: { userId?: string; email?: string },
    opts: { allowPending?: boolean } = {},
  ): Promise<CheckReport> {
    const started = performance.now();
    const steps: CheckStep[] = [];
    /** One step checked by a rule of the search path: its refusal (an AppError) is the step's error. */
    const attempt = async <T>(step: string, rule: () => T | Promise<T>): Promise<T | undefined> => {
      try {
        const value = await rule();
        steps.push({ step, ok: true });
        return value;
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        steps.push({ step, ok: false, error: { code: err.code, message: err.message } });
        return undefined;
      }
    };
    // The row is read once, whatever its status, so the report says which settings were used.
    let record: TenantRecord | null = null;
    const tenant = await attempt('tenant', async () => {
      const found = await deps.access.activeTenant(tenantId, opts).catch(async (err: unknown) => {
        record = await deps.directory.tenant(tenantId).catch(() => null);
        throw err;
      });
      record = found.record;
      return found;
    });
    const user = tenant ? await findUser(tenantId, who) : null;
    const ready = tenant && (await attempt('user', () => userOfTenant(tenant.record, { user })));
    // Our side first: with a broken issuer every AWS answer would only be a vaguer "invalid grant".
    // Authorization-code tenants never see our issuer (Identity Center signs the user in
    // itself): those checks would only fail them for something they do not use.
    const local = tenant && ready && tenant.aws.authMode !== 'authorization-code' ? await deps.prechecks(ready) : [];
    steps.push(...local);
    const requestIds = tenant && ready && local.every((s) => s.ok) ? await runExchange(tenant.aws, ready, steps) : [];
    const failed = steps.find((s) => !s.ok);
    const used = record as TenantRecord | null;
    const report = { tenantId, userId: user?.id ?? null, ok: !failed, failedStep: failed?.step ?? null, settings: used ? settingsOf(used) : null, steps };
    deps.audit.record({
      kind: 'check',
      tenantId,
      userId: user?.id ?? null,
      serviceClientId: callerId,
      outcome: failed ? 'failure' : 'success',
      errorCode: failed?.error?.code ?? null,
      awsRequestIds: requestIds,
      latencyMs: performance.now() - started,
      detail: { failedStep: report.failedStep },
    });
    return report;
  };

  async function runExchange(aws: TenantAws, user: UserRecord, steps: CheckStep[]): Promise<string[]> {
    const trace: ExchangeTrace = { steps: [], requestIds: [] };
    try {
      const session = await deps.exchange(aws, user, trace);
      steps.push(...trace.steps);
      const started = performance.now();
      const page = await session.searcher.search({ queryText: 'tti-bridge setup check', maxResults: 1 });
      steps.push({ step: 'search', ok: true, latencyMs: Math.round(performance.now() - started), requestId: page.requestId });
      return page.requestId ? [...trace.requestIds, page.requestId] : trace.requestIds;
    } catch (err) {
      const e = toAppError(err, failureContext(aws, user, trace.assertion), deps.logger);
      const done = trace.steps.filter((s) => s.ok);
      const failedStep = trace.steps.find((s) => !s.ok) ?? { step: String(e.options.detail?.step ?? 'search'), ok: false };
      const causes = e.expose ? (e.options.detail?.causes as Cause[] | undefined) : undefined;
      steps.push(...done, { ...failedStep, error: { code: e.code, message: e.expose ? e.message : 'Internal error', ...(causes ? { causes } : {}) } });
      return trace.requestIds;
    }
  }
}

export type Check = ReturnType<typeof createCheck>;
