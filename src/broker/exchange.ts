// The data-accessor exchange for one user, as four named steps
// (docs: aws-data-accessor reference §0; AWS ISV guide, TTI tab):
//   1. AssumeRole(base creds, tenant tag)            → creds #1
//   2. CreateTokenWithIAM(creds #1, jwt-bearer, our freshly minted ID token)
//   3. AssumeRole(base creds, tenant tag, identity context) → identity-enhanced creds #2
//   4. a Q Business client bound to creds #2
// Both AssumeRole calls use the base credentials: AWS discourages a role assuming itself.
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { isAwsCallError, type ExchangeStep } from './aws-error.js';
import type { AssertionSent } from './errors.js';
import type { AssertionMinter, AwsCredentials, AwsGateway, Clock, Searcher, TenantAws, UserRecord } from './ports.js';

export type Claims = Parameters<AssertionMinter['mint']>[0];

export interface Session {
  searcher: Searcher;
  expiresAt: number;
}

export interface StepTrace {
  step: ExchangeStep | 'mint_assertion';
  ok: boolean;
  latencyMs: number;
  requestId?: string;
}

/** Filled in as the exchange runs, so a failure still reports the steps and request ids so far. */
export interface ExchangeTrace {
  steps: StepTrace[];
  requestIds: string[];
  /** What the assertion said (read back from it), to explain Identity Center's refusal. */
  assertion?: AssertionSent;
  /** How CreateTokenWithIAM got the identity context, when not from our assertion (audited). */
  grant?: 'refresh_token' | 'authorization_code';
}

export interface ExchangeDeps {
  aws: AwsGateway;
  minter: AssertionMinter;
  audience: () => Promise<string>;
  assertionTtlSeconds: number;
  now: Clock;
}

/** The assertion's claims: who the user is, for Identity Center's attribute mapping. */
export const claimsOf = (u: UserRecord): Claims => ({
  sub: u.id,
  email: u.email,
  email_verified: u.emailVerified,
  name: u.name,
  tenant_id: u.tenantId,
  groups: u.groups,
});

/** RoleSessionName shows in the customer's CloudTrail: make it name the user. Limits: 2..64, [\w+=,.@-]. */
export const sessionName = (userId: string) => `ttib-${userId.replace(/[^\w+=,.@-]/g, '_')}`.slice(0, 64);

/** Runs one named step of an exchange, recording its outcome, latency and AWS request id in `trace`. */
export async function step<T extends object>(trace: ExchangeTrace, name: StepTrace['step'], fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const out = await fn();
    record(trace, { step: name, ok: true, latencyMs: performance.now() - started, requestId: (out as { requestId?: string }).requestId });
    return out;
  } catch (err) {
    const requestId = isAwsCallError(err) ? err.failure.requestId : undefined;
    record(trace, { step: name, ok: false, latencyMs: performance.now() - started, requestId });
    throw err;
  }
}

export function createExchange(deps: ExchangeDeps) {
  return async function exchange(tenant: TenantAws, user: UserRecord, trace: ExchangeTrace = { steps: [], requestIds: [] }): Promise<Session> {
    const name = sessionName(user.id);
    const first = await step(trace, 'assume_role', () => deps.aws.assumeRole(tenant, { sessionName: name }));
    const assertion = await step(trace, 'mint_assertion', async () => ({
      token: await deps.minter.mint(claimsOf(user), await deps.audience(), deps.assertionTtlSeconds),
    }));
    trace.assertion = assertionSent(assertion.token);
    const idc = await step(trace, 'create_token', () => deps.aws.createTokenWithIam(tenant, first.credentials, assertion.token));
    const second = await step(trace, 'assume_role_context', () => deps.aws.assumeRole(tenant, { sessionName: name, identityContext: idc.identityContext }));
    return { searcher: deps.aws.searcher(tenant, second.credentials), expiresAt: expiryOf(second.credentials, deps.now) };
  };
}

/** The claims Identity Center checks, read from the token itself: exactly what was sent. */
export function assertionSent(token: string): AssertionSent | undefined {
  try {
    const p = decodeJwt(token);
    const exp = typeof p.exp === 'number' ? new Date(p.exp * 1000).toISOString() : '(none)';
    return { iss: String(p.iss), aud: [p.aud ?? ''].flat().join(' '), kid: String(decodeProtectedHeader(token).kid), exp, email: String(p.email) };
  } catch {
    return undefined; // not a JWT: nothing to explain with
  }
}

function record(trace: ExchangeTrace, s: StepTrace): void {
  trace.steps.push({ ...s, latencyMs: Math.round(s.latencyMs * 10) / 10 });
  if (s.requestId) trace.requestIds.push(s.requestId);
}

// STS always returns Expiration; the fallback only guards a malformed response.
export const expiryOf = (c: AwsCredentials, now: Clock) => c.expiration?.getTime() ?? now() + 15 * 60_000;

export type Exchange = ReturnType<typeof createExchange>;
