// An in-memory AwsGateway for tests of the broker's own logic (cache, errors, HTTP).
// The end-to-end tests use the real SDK against the sandbox instead.
import { randomUUID } from 'node:crypto';
import { AwsCallError, type AwsFailure, type ExchangeStep } from '../../src/broker/aws-error.js';
import type { AwsCredentials, AwsGateway, SearchItem } from '../../src/broker/ports.js';

export interface FakeAws extends AwsGateway {
  calls: { step: ExchangeStep; tenantId: string; at: number }[];
  /** Failures by step; a function is called for each attempt (return undefined to pass). */
  fail: Partial<Record<ExchangeStep, Partial<AwsFailure> | (() => Partial<AwsFailure> | undefined)>>;
  sessionTtlMs: number;
  delayMs: number;
  docs: SearchItem[];
  assertions: string[];
  count(step: ExchangeStep): number;
}

export function createFakeAws(now: () => number = Date.now): FakeAws {
  const fake: FakeAws = {
    calls: [],
    fail: {},
    sessionTtlMs: 3_600_000,
    delayMs: 2,
    assertions: [],
    docs: Array.from({ length: 5 }, (_, i) => ({
      content: `doc ${i}`,
      documentId: `d${i}`,
      documentTitle: `Doc ${i}`,
      documentUri: `https://example.com/${i}`,
      documentAttributes: [],
      confidence: (['VERY_HIGH', 'HIGH', 'MEDIUM', 'LOW', 'NOT_AVAILABLE'] as const)[i]!,
    })),
    count: (step) => fake.calls.filter((c) => c.step === step).length,
    async assumeRole(t, opts) {
      const step = opts.identityContext ? 'assume_role_context' : 'assume_role';
      await call(step, t.id);
      return { credentials: creds(now() + fake.sessionTtlMs), requestId: randomUUID() };
    },
    async createTokenWithIam(t, _c, assertion) {
      await call('create_token', t.id);
      fake.assertions.push(typeof assertion === 'string' ? assertion : JSON.stringify(assertion));
      return { identityContext: 'AQoJ-context', requestId: randomUUID() };
    },
    searcher(t, c) {
      return {
        async search(input) {
          await call('search', t.id);
          if (c.expiration && c.expiration.getTime() <= now()) throw new AwsCallError(failure('search', { name: 'ExpiredTokenException', status: 403 }));
          const start = input.nextToken ? Number(input.nextToken) : 0;
          const size = input.maxResults ?? 10;
          const items = fake.docs.slice(start, start + size);
          return { items, nextToken: start + size < fake.docs.length ? String(start + size) : null, requestId: randomUUID() };
        },
      };
    },
    close() {},
  };

  async function call(step: ExchangeStep, tenantId: string) {
    fake.calls.push({ step, tenantId, at: now() });
    await new Promise((r) => setTimeout(r, fake.delayMs));
    const f = fake.fail[step];
    const spec = typeof f === 'function' ? f() : f;
    if (spec) throw new AwsCallError(failure(step, spec));
  }
  return fake;
}

const creds = (exp: number): AwsCredentials => ({
  accessKeyId: 'ASIAFAKE',
  secretAccessKey: 'fake-secret',
  sessionToken: 'fake-session',
  expiration: new Date(exp),
});

export const failure = (step: ExchangeStep, f: Partial<AwsFailure>): AwsFailure => ({
  step,
  name: 'UnknownError',
  message: f.name ?? 'failure',
  unavailable: false,
  throttled: false,
  requestId: randomUUID(),
  ...f,
});
