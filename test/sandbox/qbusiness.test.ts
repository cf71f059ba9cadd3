// SearchRelevantContent: who may call, errors as modeled, attribute filters, pagination, throttling.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AccessDeniedException,
  ValidationException,
  ResourceNotFoundException,
  ThrottlingException,
  LicenseNotFoundException,
  type AttributeFilter,
} from '@aws-sdk/client-qbusiness';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { IDENTITY_CENTER_PROVIDER_ARN } from '../../src/sandbox/index.js';
import { startHarness, expectError, TENANT_TAG, type Harness } from './harness.js';
import { checkAll } from './fidelity.js';

let h: Harness;
let alice: AwsCredentialIdentity;
before(async () => {
  h = await startHarness();
  alice = await h.userCreds('alice@example.com');
});
after(async () => {
  await h.close();
});

const Q =
  'ground segment avionics parts flight software on-call kestrel satellite policy design sales pto security vpn engineering laptops leave reviews procurement';
async function docsFor(filter: AttributeFilter, creds = alice): Promise<string[]> {
  const out = await h.search(creds, { queryText: Q, attributeFilter: filter, maxResults: 100 });
  return [...new Set((out.relevantContent ?? []).map((c) => c.documentId as string))].sort();
}

test('only identity-enhanced sessions of the principal with the matching tenant tag may search', async () => {
  await expectError(h.search(h.base), 'AccessDeniedException', 403, AccessDeniedException);
  await expectError(h.search(await h.assume()), 'AccessDeniedException', 403, AccessDeniedException);
  const first = await h.assume();
  const token = await h.exchange(first, await h.issuer.mint({ email: 'alice@example.com' }));
  const ctx = [{ ProviderArn: IDENTITY_CENTER_PROVIDER_ARN, ContextAssertion: token.awsAdditionalDetails!.identityContext! }];
  const wrongTenant = await h.assume({ tags: [{ Key: TENANT_TAG, Value: 'other-tenant' }], contexts: ctx });
  assert.match((await expectError(h.search(wrongTenant), 'AccessDeniedException', 403)).message, /matches no data accessor's external id/);
  const noTag = await h.assume({ tags: [], contexts: ctx });
  assert.match((await expectError(h.search(noTag), 'AccessDeniedException', 403)).message, /no qbusiness-dataaccessor:ExternalId tag/);
});

test('unknown application and retriever are ResourceNotFoundException with resourceId/resourceType', async () => {
  const app = await expectError(
    h.search(alice, { applicationId: '00000000-0000-4000-8000-000000000000' }),
    'ResourceNotFoundException',
    404,
    ResourceNotFoundException,
  );
  assert.equal(app['resourceType'], 'Application');
  assert.equal(app['resourceId'], '00000000-0000-4000-8000-000000000000');
  const ret = await expectError(
    h.search(alice, { contentSource: { retriever: { retrieverId: '00000000-0000-4000-8000-000000000000' } } }),
    'ResourceNotFoundException',
    404,
  );
  assert.equal(ret['resourceType'], 'Retriever');
  await expectError(
    h.qb(alice, 'eu-west-1').send(
      new (await import('@aws-sdk/client-qbusiness')).SearchRelevantContentCommand({
        applicationId: h.setup.applicationId,
        queryText: 'x',
        contentSource: { retriever: { retrieverId: h.setup.retrieverId } },
      }),
    ),
    'ResourceNotFoundException',
    404,
  );
});

test('invalid input is ValidationException with reason and fields', async () => {
  for (const maxResults of [0, 101]) {
    const err = await expectError(h.search(alice, { maxResults }), 'ValidationException', 400, ValidationException);
    assert.equal(err['reason'], 'FIELD_VALIDATION_FAILED');
    assert.deepEqual(
      (err['fields'] as { name: string }[]).map((f) => f.name),
      ['maxResults'],
    );
  }
  const bad = await expectError(
    h.search(alice, { attributeFilter: { containsAll: { name: 'tags', value: { stringValue: 'x' } } } }),
    'ValidationException',
    400,
  );
  assert.equal((bad['fields'] as { name: string }[])[0]?.name, 'attributeFilter.containsAll.value');
  await expectError(h.search(alice, { attributeFilter: { greaterThan: { name: 'department', value: { stringValue: 'a' } } } }), 'ValidationException', 400);
  await expectError(h.search(alice, { nextToken: 'not-a-token' }), 'ValidationException', 400);
});

test('results are paginated with an opaque nextToken and carry a score confidence', async () => {
  const seen: string[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const out = await h.search(alice, { queryText: 'kestrel', maxResults: 2, ...(nextToken ? { nextToken } : {}) });
    assert.ok((out.relevantContent?.length ?? 0) <= 2);
    for (const c of out.relevantContent ?? []) {
      seen.push(`${c.documentId}|${c.content?.slice(0, 30)}`);
      assert.ok(['VERY_HIGH', 'HIGH', 'MEDIUM', 'LOW'].includes(c.scoreAttributes?.scoreConfidence as string));
    }
    nextToken = out.nextToken;
    pages++;
  } while (nextToken);
  const all = await h.search(alice, { queryText: 'kestrel', maxResults: 100 });
  assert.equal(seen.length, all.relevantContent?.length);
  assert.equal(new Set(seen).size, seen.length);
  assert.ok(pages > 2);
  const first = await h.search(alice, { queryText: 'kestrel', maxResults: 1 });
  await expectError(h.search(alice, { queryText: 'other query', nextToken: first.nextToken! }), 'ValidationException', 400);
});

test('attribute filters: every operator on string, string list, long and date values', async () => {
  const dept = (v: string) => ({ equalsTo: { name: 'department', value: { stringValue: v } } });
  assert.deepEqual(await docsFor(dept('it')), ['handbook/security-basics', 'it/laptop-refresh', 'it/vpn']);
  assert.deepEqual(await docsFor({ equalsTo: { name: 'version', value: { longValue: 12 } } }), ['eng/kestrel-2-design']);
  assert.deepEqual(await docsFor({ equalsTo: { name: 'tags', value: { stringListValue: ['vpn', 'network'] } } }), ['it/vpn']);
  assert.deepEqual(await docsFor({ equalsTo: { name: 'published', value: { dateValue: new Date('2024-02-20T00:00:00Z') } } }), ['it/vpn']);
  assert.deepEqual(await docsFor({ containsAll: { name: 'tags', value: { stringListValue: ['kestrel-2', 'testing'] } } }), ['eng/kestrel-2-tvac']);
  assert.deepEqual(await docsFor({ containsAny: { name: 'tags', value: { stringListValue: ['vpn', 'mfa'] } } }), ['handbook/security-basics', 'it/vpn']);
  assert.deepEqual(await docsFor({ greaterThan: { name: 'version', value: { longValue: 7 } } }), ['eng/avionics-parts', 'eng/kestrel-2-design', 'eng/oncall']);
  assert.deepEqual(await docsFor({ greaterThanOrEquals: { name: 'version', value: { longValue: 9 } } }), [
    'eng/avionics-parts',
    'eng/kestrel-2-design',
    'eng/oncall',
  ]);
  assert.deepEqual(
    await docsFor({ andAllFilters: [dept('engineering'), { lessThan: { name: 'published', value: { dateValue: new Date('2023-12-31T00:00:00Z') } } }] }),
    ['eng/coding-standards', 'eng/ground-segment-architecture'],
  );
  assert.deepEqual(await docsFor({ andAllFilters: [dept('engineering'), { lessThanOrEquals: { name: 'version', value: { longValue: 1 } } }] }), [
    'eng/incident-2024-03-safe-mode',
    'eng/kestrel-3-concept',
  ]);
  assert.deepEqual(await docsFor({ orAllFilters: [dept('it'), dept('finance')] }), [
    'finance/procurement',
    'handbook/expenses',
    'handbook/security-basics',
    'it/laptop-refresh',
    'it/vpn',
  ]);
  const notEng = await docsFor({ notFilter: dept('engineering') });
  assert.ok(notEng.length > 5 && notEng.every((d) => !d.startsWith('eng/')));
});

test("the data accessor's filterConfiguration always applies", async () => {
  const da = h.sandbox.world.applications.get(h.setup.applicationId)!.dataAccessors.get(h.setup.dataAccessorId)!;
  const saved = da.actionConfigurations;
  da.actionConfigurations = [
    {
      action: 'qbusiness:SearchRelevantContent',
      filterConfiguration: { documentAttributeFilter: { equalsTo: { name: 'doc_type', value: { stringValue: 'policy' } } } },
    },
  ];
  try {
    const docs = await docsFor({ notFilter: { equalsTo: { name: 'department', value: { stringValue: 'people-ops' } } } });
    assert.deepEqual(docs, ['finance/procurement', 'handbook/expenses', 'handbook/security-basics', 'it/laptop-refresh']);
  } finally {
    da.actionConfigurations = saved;
  }
});

test('a per-data-accessor rate limit yields ThrottlingException (429)', async () => {
  h.sandbox.setThrottle(h.setup.dataAccessorId, 1);
  try {
    await h.search(alice);
    await expectError(h.search(alice), 'ThrottlingException', 429, ThrottlingException);
    h.clock.advance(1500);
    await h.search(alice);
  } finally {
    h.sandbox.setThrottle(h.setup.dataAccessorId, undefined);
  }
});

test('a user without a Q Business subscription gets LicenseNotFoundException', async () => {
  const bob = await h.userCreds('bob@example.com');
  const user = h.sandbox.world.instances
    .values()
    .next()
    .value!.users.find((u) => u.userName === 'bob')!;
  user.licensed = false;
  try {
    await expectError(h.search(bob), 'LicenseNotFoundException', 400, LicenseNotFoundException);
  } finally {
    user.licensed = true;
  }
});

test('bad signatures, unknown keys and expired sessions on Q Business', async () => {
  await expectError(h.search({ ...alice, secretAccessKey: 'wrong' }), 'InvalidSignatureException', 403);
  await expectError(h.search({ accessKeyId: 'ASIAUNKNOWN000000000', secretAccessKey: 'x', sessionToken: 'y' }), 'UnrecognizedClientException', 403);
  h.clock.advance(2 * 3600_000);
  try {
    await expectError(h.search(alice), 'ExpiredTokenException', 403);
  } finally {
    h.clock.advance(-2 * 3600_000);
  }
});

test('a body over 1 MiB is refused with 413 in the JSON error shape (HTTP/2)', async () => {
  const err = await expectError(h.search(alice, { queryText: 'x'.repeat(1_100_000) }), 'RequestEntityTooLargeException', 413);
  assert.match(err.message, /larger than 1048576 bytes/);
  assert.equal(h.sandbox.calls.at(-1)?.outcome, 'RequestEntityTooLargeException');
  await h.search(alice); // the connection still serves requests
});

test('every response in this file matches the service models', () => {
  assert.deepEqual(checkAll(h.sandbox.responses), []);
});
