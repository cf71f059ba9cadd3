// A dry-run exchange for support staff: runs every step of the exchange and one search
// for a named user, bypassing the cache, and reports which step failed and why.
import type { Logger } from '../shared/logger.js';
import { tenantAws, type Access } from './access.js';
import type { AuditTrail } from './audit.js';
import type { Exchange, ExchangeTrace } from './exchange.js';
import { toAppError } from './failure.js';
import type { Directory, TenantAws, UserRecord } from './ports.js';

export interface CheckStep {
  step: string;
  ok: boolean;
  latencyMs?: number;
  requestId?: string;
  error?: { code: string; message: string };
}

export interface CheckReport {
  tenantId: string;
  userId: string | null;
  ok: boolean;
  failedStep: string | null;
  steps: CheckStep[];
}

export function createCheck(deps: { access: Access; directory: Directory; exchange: Exchange; audit: AuditTrail; logger: Logger }) {
  async function findUser(tenantId: string, who: { userId?: string; email?: string }): Promise<UserRecord | null> {
    const u = who.userId ? await deps.directory.user(who.userId) : await deps.directory.userByEmail(tenantId, who.email ?? '');
    return u && u.tenantId === tenantId ? u : null;
  }

  return async function check(callerId: string, tenantId: string, who: { userId?: string; email?: string }): Promise<CheckReport> {
    const started = performance.now();
    const steps: CheckStep[] = [];
    const fail = (step: string, code: string, message: string) => steps.push({ step, ok: false, error: { code, message } });
    const t = await deps.directory.tenant(tenantId);
    let aws: TenantAws | undefined;
    let user: UserRecord | null = null;
    if (!t) fail('tenant', 'tenant_not_found', `Tenant '${tenantId}' does not exist.`);
    else if (t.status !== 'active') fail('tenant', 'tenant_not_active', `Tenant '${tenantId}' is ${t.status}.`);
    else {
      try {
        aws = tenantAws(t);
        steps.push({ step: 'tenant', ok: true });
      } catch (err) {
        const e = toAppError(err, { tenantId }, deps.logger);
        fail('tenant', e.code, e.message);
      }
    }
    if (aws) {
      user = await findUser(tenantId, who);
      if (!user) fail('user', 'user_not_in_tenant', `No such user in tenant '${tenantId}'.`);
      else if (user.disabled) fail('user', 'user_disabled', 'The user is disabled.');
      else steps.push({ step: 'user', ok: true });
    }
    const requestIds = aws && user && !user.disabled ? await runExchange(aws, user, steps) : [];
    const failed = steps.find((s) => !s.ok);
    const report = { tenantId, userId: user?.id ?? null, ok: !failed, failedStep: failed?.step ?? null, steps };
    deps.audit.record({
      kind: 'check', tenantId, userId: user?.id ?? null, serviceClientId: callerId, outcome: failed ? 'failure' : 'success',
      errorCode: failed?.error?.code ?? null, awsRequestIds: requestIds, latencyMs: performance.now() - started, detail: { failedStep: report.failedStep },
    });
    return report;
  };

  async function runExchange(aws: TenantAws, user: UserRecord, steps: CheckStep[]): Promise<string[]> {
    const trace: ExchangeTrace = { steps: [], requestIds: [] };
    const ctx = { tenantId: aws.id, roleArn: aws.roleArn, claim: { name: 'email', value: user.email } };
    try {
      const session = await deps.exchange(aws, user, trace);
      steps.push(...trace.steps);
      const started = performance.now();
      const page = await session.searcher.search({ queryText: 'tti-bridge setup check', maxResults: 1 });
      steps.push({ step: 'search', ok: true, latencyMs: Math.round(performance.now() - started), requestId: page.requestId });
      return page.requestId ? [...trace.requestIds, page.requestId] : trace.requestIds;
    } catch (err) {
      const e = toAppError(err, ctx, deps.logger);
      const done = trace.steps.filter((s) => s.ok);
      const failedStep = trace.steps.find((s) => !s.ok) ?? { step: String(e.options.detail?.step ?? 'search'), ok: false };
      steps.push(...done, { ...failedStep, error: { code: e.code, message: e.expose ? e.message : 'Internal error' } });
      return trace.requestIds;
    }
  }
}

export type Check = ReturnType<typeof createCheck>;
