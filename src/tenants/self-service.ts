// Tenant self-service: the page an onboarding link opens (GET/POST /onboard?link=…). The
// customer's administrator reads the values to configure on their side, enters the five
// details from the "Information for data accessor" tab and a test user's email; we save the
// details (the tenant stays pending), run the live setup check as that user, and turn the
// tenant active only when every step passes. The link is the credential and works only
// while the tenant is pending; roleArn and endpoint overrides stay the ISV's to set.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Views } from '../http/views.js';
import { readForm } from '../http/form.js';
import { checkEmail } from '../accounts/validate.js';
import { AppError, type FieldProblem } from '../shared/errors.js';
import type { CheckReport } from '../broker/check.js';
import type { OnboardingLinks } from './onboarding-link.js';
import type { Tenant, TenantService } from './tenants.js';
import { CLAIM_ATTRIBUTE_PATH, IDENTITY_STORE_ATTRIBUTE_PATH } from './kit/requests.js';

/** What the customer copies from their data accessor's "Information for data accessor" tab. */
export const CUSTOMER_DETAILS = [
  { name: 'qbusinessApplicationId', label: 'Amazon Q Business application ID' },
  { name: 'qbusinessRegion', label: 'Amazon Q Business application Region' },
  { name: 'retrieverId', label: 'Retriever ID' },
  { name: 'idcApplicationArn', label: 'Data accessor application ARN' },
  { name: 'idcRegion', label: 'IAM Identity Center instance Region' },
] as const;

export const STEP_LABELS: Record<string, string> = {
  tenant: 'Tenant settings complete',
  user: 'Test user known to the provider',
  discovery: "The provider's discovery document is reachable, with its exact issuer",
  signing_key: 'The provider publishes the key it signs tokens with',
  assertion: 'A token the provider signs verifies against its published keys',
  assume_role: 'Provider assumes its data-accessor role (STS AssumeRole)',
  mint_assertion: 'Provider signs a fresh ID token for the test user',
  create_token: "Your IAM Identity Center accepts the provider's token (CreateTokenWithIAM)",
  assume_role_context: 'Identity-aware session (STS AssumeRole with identity context)',
  search: 'Search of your Amazon Q Business index (SearchRelevantContent)',
};

export interface SelfServiceDeps {
  links: OnboardingLinks;
  tenants: Pick<TenantService, 'get' | 'update' | 'activate'>;
  /** The dry-run exchange; allowPending lets it run before the tenant is active. */
  check(tenantId: string, who: { email: string }): Promise<CheckReport>;
  dataAccessorClientId(): Promise<string | null>;
  views: Views;
  issuer: string;
  /** The ISV's name as customers know it (page headings). */
  productName?: string;
  /** Checks a tenant may run in a burst, then one more every `everySeconds` (default 10, then 1 a minute). */
  checkBudget?: { burst: number; everySeconds: number };
  now?: () => number;
}

export function createSelfServiceRouter(deps: SelfServiceDeps): Router {
  const router = new Router();
  // One check per tenant at a time: each one mints an assertion and calls AWS four times.
  const running = new Set<string>();
  // And a budget per tenant: each check calls AWS with the ISV's own credentials (its STS
  // quota serves every tenant), so a leaked link must not be able to spend it in a loop. A
  // person fixing their setup runs a few checks in a row; then one a minute.
  const budget = deps.checkBudget ?? { burst: 10, everySeconds: 60 };
  const now = deps.now ?? Date.now;
  const spent = new Map<string, { tokens: number; at: number }>();
  /** Takes one check from the tenant's budget; the seconds to wait when none is left. */
  function takeCheck(tenantId: string): number {
    const t = now();
    const b = spent.get(tenantId) ?? { tokens: budget.burst, at: t };
    b.tokens = Math.min(budget.burst, b.tokens + (t - b.at) / 1000 / budget.everySeconds);
    b.at = t;
    spent.set(tenantId, b);
    if (b.tokens < 1) return Math.ceil((1 - b.tokens) * budget.everySeconds);
    b.tokens -= 1;
    return 0;
  }
  const issuerOrigin = new URL(deps.issuer).origin;

  async function pendingTenant(ctx: Context): Promise<{ tenant: Tenant; token: string; expiresAt: Date }> {
    const token = typeof ctx.query.link === 'string' ? ctx.query.link : '';
    const { tenantId, expiresAt } = deps.links.verify(token);
    const tenant = await deps.tenants.get(tenantId);
    if (!tenant) throw new AppError('link_invalid', 404, 'This onboarding link is not valid. Ask your provider for a new link.');
    return { tenant, token, expiresAt };
  }

  async function page(
    ctx: Context,
    data: { tenant: Tenant; token: string; expiresAt: Date; values?: Record<string, string>; problems?: FieldProblem[]; report?: CheckReport },
  ) {
    const { tenant } = data;
    ctx.set('Referrer-Policy', 'no-referrer');
    deps.views.render(ctx, 'onboard', {
      tenant: { id: tenant.id, name: tenant.name, status: tenant.status },
      link: data.token,
      expiresAt: data.expiresAt.toISOString(),
      issuer: deps.issuer,
      audience: (await deps.dataAccessorClientId()) ?? '(not registered yet: ask your provider)',
      principal: tenant.roleArn ?? '(not set yet: ask your provider)',
      attributeMapping: { claim: CLAIM_ATTRIBUTE_PATH, attribute: IDENTITY_STORE_ATTRIBUTE_PATH },
      fields: CUSTOMER_DETAILS.map((f) => ({
        ...f,
        value: data.values?.[f.name] ?? tenant[f.name] ?? '',
        problem: data.problems?.find((p) => p.field === f.name)?.message,
      })),
      testEmail: data.values?.testEmail ?? '',
      emailProblem: data.problems?.find((p) => p.field === 'testEmail')?.message,
      hasProblems: Boolean(data.problems?.length),
      report: data.report && {
        ok: data.report.ok,
        steps: data.report.steps.map((s) => ({ ...s, label: STEP_LABELS[s.step] ?? s.step })),
      },
      providerName: deps.productName ?? 'tti-bridge',
    });
  }

  router.get('/onboard', async (ctx) => {
    await page(ctx, await pendingTenant(ctx));
  });

  router.post('/onboard', async (ctx) => {
    const found = await pendingTenant(ctx);
    // The link is the credential; a cross-site form post must still not use it for someone.
    // (Pages send no referrer, so a browser's same-origin post carries `Origin: null`;
    // Sec-Fetch-Site tells the truth where the browser sends it.)
    const origin = ctx.get('Origin');
    const site = ctx.get('Sec-Fetch-Site');
    if ((site && !['same-origin', 'none'].includes(site)) || (origin && origin !== 'null' && origin !== issuerOrigin)) {
      throw new AppError('forbidden_origin', 403, 'The form was sent from another site. Open the onboarding link directly and submit it from there.');
    }
    if (found.tenant.status !== 'pending') return page(ctx, found);
    const form = await readForm(ctx);
    const values = Object.fromEntries([...CUSTOMER_DETAILS.map((f) => f.name), 'testEmail'].map((k) => [k, (form[k] ?? '').trim()]));
    const problems: FieldProblem[] = CUSTOMER_DETAILS.filter((f) => !values[f.name]).map((f) => ({ field: f.name, message: `enter the ${f.label}` }));
    // The accounts' own rule: an address no user could have is a field problem, not a query.
    const emailProblems: FieldProblem[] = [];
    checkEmail(values.testEmail, emailProblems, 'testEmail');
    if (emailProblems.length) {
      problems.push({ field: 'testEmail', message: 'enter the email of a user who exists in your IAM Identity Center and with us' });
    }
    if (problems.length) {
      ctx.status = 400;
      return page(ctx, { ...found, values, problems });
    }
    if (running.has(found.tenant.id)) {
      ctx.set('Retry-After', '5');
      throw new AppError('check_in_progress', 429, 'A check for this tenant is already running. Wait for it to finish, then reload this page.', {
        retryAfter: 5,
      });
    }
    const wait = takeCheck(found.tenant.id);
    if (wait) {
      ctx.set('Retry-After', String(wait));
      throw new AppError('too_many_checks', 429, `This tenant has run many checks in a short time. Wait ${wait} seconds, then submit the form again.`, {
        retryAfter: wait,
      });
    }
    running.add(found.tenant.id);
    try {
      let tenant: Tenant;
      try {
        tenant = await deps.tenants.update(found.tenant.id, Object.fromEntries(CUSTOMER_DETAILS.map((f) => [f.name, values[f.name]])), { keepPending: true });
      } catch (err) {
        if (err instanceof AppError && err.code === 'validation_failed') {
          ctx.status = 400;
          return page(ctx, { ...found, values, problems: (err.options.fields ?? []) as FieldProblem[] });
        }
        // Turned active or disabled since the link was read (e.g. while the form was sent):
        // nothing was saved; show the tenant as it is now.
        if (err instanceof AppError && err.code === 'tenant_not_pending') return page(ctx, await pendingTenant(ctx));
        throw err;
      }
      const report = await deps.check(tenant.id, { email: values.testEmail! });
      // Only the details just checked, and only from pending: a tenant the ISV disabled during
      // the check stays disabled.
      if (report.ok) tenant = await deps.tenants.activate(tenant.id, { ifUpdatedAt: tenant.updatedAt });
      return page(ctx, { ...found, tenant, values, report });
    } finally {
      running.delete(found.tenant.id);
    }
  });

  return router;
}
