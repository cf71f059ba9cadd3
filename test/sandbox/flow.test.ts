// The ISV's data-accessor flow end to end through the real AWS SDK clients: AssumeRole with the
// tenant tag, CreateTokenWithIAM, AssumeRole with the identity context, SearchRelevantContent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { AccessDeniedException } from '@aws-sdk/client-sso-oidc';
import { startHarness, expectError, type Harness } from './harness.js';
import { checkAll } from './fidelity.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

const ids = (r: { relevantContent?: { documentId?: string }[] }) => new Set((r.relevantContent ?? []).map((c) => c.documentId));

test('CreateTokenWithIAM returns an Identity Center token whose claims follow the real ones', async () => {
  const creds = await h.assume();
  const out = await h.exchange(creds, await h.issuer.mint({ email: 'alice@example.com', auth_time: 1700000000 }));
  assert.equal(out.tokenType, 'Bearer');
  assert.equal(out.expiresIn, 3600);
  assert.equal(out.issuedTokenType, 'urn:ietf:params:oauth:token-type:access_token');
  assert.deepEqual(out.scope, ['sts:identity_context', 'openid', 'aws']);
  assert.ok(out.accessToken);
  const claims = decodeJwt(out.idToken as string);
  assert.equal(claims['sts:identity_context'], out.awsAdditionalDetails?.identityContext);
  assert.match(String(claims['sts:identity_context']), /^AQoJ/);
  assert.equal(claims['aws:identity_store_id'], 'd-9067c4e2a1');
  assert.equal(claims['aws:instance_arn'], 'arn:aws:sso:::instance/ssoins-7223a9d5c8e0b4f1');
  assert.equal(claims['aws:application_arn'], h.setup.idcApplicationArn);
  assert.deepEqual(claims['act'], { sub: h.setup.trustedTokenIssuerArn });
  assert.equal(claims['auth_time'], '2023-11-14T22:13:20Z');
  assert.equal(claims.iss, 'https://identitycenter.amazonaws.com/ssoins-7223a9d5c8e0b4f1');
  assert.equal((claims.exp as number) - (claims.iat as number), 3600);
  assert.match(String(claims.sub), /^[0-9a-f-]{36}$/);
});

test('alice (engineering) finds engineering documents and never sales-only ones', async () => {
  const creds = await h.userCreds('alice@example.com');
  const design = await h.search(creds, { queryText: 'Kestrel-2 avionics reaction wheels pointing accuracy' });
  assert.equal(design.relevantContent?.[0]?.documentId, 'eng/kestrel-2-design');
  assert.equal(design.relevantContent?.[0]?.scoreAttributes?.scoreConfidence, 'VERY_HIGH');
  const pricing = await h.search(creds, { queryText: 'Kestrel-2 price volume discount', maxResults: 100 });
  assert.ok(!ids(pricing).has('sales/pricing-2024'));
  assert.ok(ids(await h.search(creds, { queryText: 'Kestrel-3 electric propulsion' })).has('eng/kestrel-3-concept'));
});

test('bob (sales) finds the price book but no engineering or people-ops documents', async () => {
  const creds = await h.userCreds('bob@example.com');
  const pricing = await h.search(creds, { queryText: 'Kestrel-2 price volume discount' });
  assert.equal(pricing.relevantContent?.[0]?.documentId, 'sales/pricing-2024');
  const all = await h.search(creds, { queryText: 'kestrel design salary bands concept', maxResults: 100 });
  for (const id of ids(all)) assert.ok(!String(id).startsWith('eng/') && id !== 'people/salary-bands', `bob saw ${id}`);
  const hit = pricing.relevantContent?.[0];
  assert.ok(hit?.content && hit.documentTitle && hit.documentUri?.startsWith('https://'));
  assert.ok(hit.documentAttributes?.some((a) => a.name === '_data_source_id'));
  assert.ok(hit.documentAttributes?.some((a) => a.name === 'published' && a.value?.dateValue instanceof Date));
});

test('carol is not assigned to the data accessor application: AccessDeniedException', async () => {
  const creds = await h.assume();
  const err = await expectError(h.exchange(creds, await h.issuer.mint({ email: 'carol@example.com' })), 'AccessDeniedException', 400, AccessDeniedException);
  assert.equal(err['error'], 'access_denied');
  assert.match(String(err['error_description']), /not assigned/);
});

test('every call is recorded with operation, caller and outcome, and without secrets', async () => {
  h.sandbox.clearCalls();
  const creds = await h.userCreds('alice@example.com');
  await h.search(creds, { queryText: 'on-call rotation' });
  const calls = h.sandbox.calls.map((c) => `${c.service}:${c.operation}:${c.outcome}`);
  assert.deepEqual(calls, ['sts:AssumeRole:ok', 'sso-oauth:CreateTokenWithIAM:ok', 'sts:AssumeRole:ok', 'qbusiness:SearchRelevantContent:ok']);
  assert.equal(h.sandbox.calls[0]?.caller, h.setup.principalArn);
  assert.match(String(h.sandbox.calls[3]?.caller), /^arn:aws:sts::111122223333:assumed-role\/QBusinessDataAccessorRole\//);
  assert.equal(h.sandbox.calls[2]?.detail?.['externalId'], 'demo');
  assert.deepEqual((h.sandbox.calls[2]!.detail!['identityContext'] as { userName: string }).userName, 'alice');
  assert.equal(h.sandbox.calls[3]?.detail?.['user'], 'alice');
  const text = JSON.stringify(h.sandbox.calls);
  for (const secret of [creds.secretAccessKey, creds.sessionToken as string, h.setup.secretAccessKey]) assert.ok(!text.includes(secret));
  assert.ok(!/AQoJ|eyJ/.test(text), 'no assertions or tokens in the record');
});

test('every response in this file matches the service models', () => {
  // clearCalls() above must not have dropped the earlier tests' responses from this check.
  assert.ok(
    h.sandbox.responses.some((r) => r.errorCode === 'AccessDeniedException'),
    'responses from before clearCalls() are kept',
  );
  assert.deepEqual(checkAll(h.sandbox.responses), []);
});
