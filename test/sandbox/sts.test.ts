// STS AssumeRole and SigV4 failures as the SDK surfaces them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleCommand, GetCallerIdentityCommand, ExpiredTokenException } from '@aws-sdk/client-sts';
import { IDENTITY_CENTER_PROVIDER_ARN } from '../../src/sandbox/index.js';
import { startHarness, expectError, TENANT_TAG, type Harness } from './harness.js';
import { checkAll } from './fidelity.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

const assumeRaw = (input: Partial<ConstructorParameters<typeof AssumeRoleCommand>[0]>, creds = h.base) =>
  h.sts(creds).send(new AssumeRoleCommand({ RoleArn: h.setup.roleArn, RoleSessionName: 'unit', ...input }));

async function context(): Promise<string> {
  const first = await h.assume();
  const out = await h.exchange(first, await h.issuer.mint({ email: 'alice@example.com' }));
  return out.awsAdditionalDetails?.identityContext as string;
}

test('AssumeRole returns ASIA credentials, the assumed-role user and an empty Tags list is accepted', async () => {
  const out = await assumeRaw({ Tags: [] });
  assert.match(out.Credentials?.AccessKeyId ?? '', /^ASIA[A-Z2-7]{16}$/);
  assert.ok(out.Credentials?.Expiration instanceof Date);
  assert.equal(out.AssumedRoleUser?.Arn, 'arn:aws:sts::111122223333:assumed-role/QBusinessDataAccessorRole/unit');
  const who = await h
    .sts({ accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! })
    .send(new GetCallerIdentityCommand({}));
  assert.equal(who.Arn, out.AssumedRoleUser?.Arn);
});

test('unknown key, bad signature, forged session token and expired session fail like AWS', async () => {
  await expectError(h.sts({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' }).send(new GetCallerIdentityCommand({})), 'InvalidClientTokenId', 403);
  await expectError(h.sts({ ...h.base, secretAccessKey: 'wrong' }).send(new GetCallerIdentityCommand({})), 'SignatureDoesNotMatch', 403);
  const creds = await h.assume();
  await expectError(h.sts({ ...creds, sessionToken: `${creds.sessionToken}x` }).send(new GetCallerIdentityCommand({})), 'InvalidClientTokenId', 403);
  h.clock.advance(2 * 3600_000);
  try {
    await expectError(h.sts(creds, { systemClockOffset: 2 * 3600_000 }).send(new GetCallerIdentityCommand({})), 'ExpiredToken', 403);
  } finally {
    h.clock.advance(-2 * 3600_000);
  }
});

test('a body changed after signing fails the signature check, as at AWS', async () => {
  const sts = h.sts(h.base);
  // After signing (the deserialize step runs just before sending): same length, other body.
  sts.middlewareStack.add(
    (next) => async (args) => {
      const req = args.request as { body?: string };
      req.body = String(req.body).replace('2011-06-15', '2011-06-16');
      return next(args);
    },
    { step: 'deserialize' },
  );
  await expectError(sts.send(new GetCallerIdentityCommand({})), 'SignatureDoesNotMatch', 403);
});

test('the caller must be trusted by the role', async () => {
  const err = await expectError(assumeRaw({}, h.admin), 'AccessDenied', 403);
  assert.match(
    err.message,
    /User: arn:aws:iam::444455556666:user\/globex-admin is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role\/QBusinessDataAccessorRole/,
  );
});

test('Tags need sts:TagSession and ProvidedContexts need sts:SetContext in the trust policy', async () => {
  const assertion = await context();
  const trust = h.sandbox.world.roles.get(h.setup.roleArn)!.trust[0]!.actions;
  trust.delete('sts:TagSession');
  trust.delete('sts:SetContext');
  try {
    assert.match((await expectError(assumeRaw({ Tags: [{ Key: TENANT_TAG, Value: 'demo' }] }), 'AccessDenied', 403)).message, /sts:TagSession/);
    const ctx = [{ ProviderArn: IDENTITY_CENTER_PROVIDER_ARN, ContextAssertion: assertion }];
    assert.match((await expectError(assumeRaw({ ProvidedContexts: ctx }), 'AccessDenied', 403)).message, /sts:SetContext/);
  } finally {
    trust.add('sts:TagSession');
    trust.add('sts:SetContext');
  }
});

test('input constraints from the model are enforced with ValidationError', async () => {
  await expectError(assumeRaw({ RoleSessionName: 'x' }), 'ValidationError', 400);
  await expectError(assumeRaw({ RoleSessionName: 'has space' }), 'ValidationError', 400);
  await expectError(assumeRaw({ RoleSessionName: 'n'.repeat(65) }), 'ValidationError', 400);
  await expectError(assumeRaw({ DurationSeconds: 899 }), 'ValidationError', 400);
  assert.match((await expectError(assumeRaw({ DurationSeconds: 7200 }), 'ValidationError', 400)).message, /MaxSessionDuration/);
  await expectError(assumeRaw({ Tags: [{ Key: 'k', Value: 'bad!value' }] }), 'ValidationError', 400);
  await expectError(assumeRaw({ Tags: [{ Key: 'k'.repeat(129), Value: 'v' }] }), 'ValidationError', 400);
  await expectError(assumeRaw({ Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) }), 'ValidationError', 400);
  await expectError(
    assumeRaw({
      Tags: [
        { Key: 'Team', Value: 'a' },
        { Key: 'team', Value: 'b' },
      ],
    }),
    'ValidationError',
    400,
  );
  const six = Array.from({ length: 6 }, () => ({ ProviderArn: IDENTITY_CENTER_PROVIDER_ARN, ContextAssertion: 'AQoJxxxx' }));
  await expectError(assumeRaw({ ProvidedContexts: six }), 'ValidationError', 400);
});

test('a provided context must use the Identity Center provider and an untampered, unexpired assertion', async () => {
  const assertion = await context();
  await expectError(
    assumeRaw({ ProvidedContexts: [{ ProviderArn: 'arn:aws:iam::aws:contextProvider/Other', ContextAssertion: assertion }] }),
    'ValidationError',
    400,
  );
  const flipped = assertion.slice(0, 20) + (assertion[20] === 'A' ? 'B' : 'A') + assertion.slice(21);
  assert.match(
    (await expectError(assumeRaw({ ProvidedContexts: [{ ProviderArn: IDENTITY_CENTER_PROVIDER_ARN, ContextAssertion: flipped }] }), 'ValidationError', 400))
      .message,
    /ContextAssertion/,
  );
  h.clock.advance(3601_000);
  try {
    const c = h.sts(h.base, { systemClockOffset: 3601_000 });
    await expectError(
      c.send(
        new AssumeRoleCommand({
          RoleArn: h.setup.roleArn,
          RoleSessionName: 'late',
          ProvidedContexts: [{ ProviderArn: IDENTITY_CENTER_PROVIDER_ARN, ContextAssertion: assertion }],
        }),
      ),
      'ExpiredTokenException',
      400,
      ExpiredTokenException,
    );
  } finally {
    h.clock.advance(-3601_000);
  }
});

test('an identity-enhanced session cannot call STS (AWS allow-list policy)', async () => {
  const creds = await h.userCreds('alice@example.com');
  await expectError(assumeRaw({}, creds), 'AccessDenied', 403);
});

test('every response in this file matches the service models', () => {
  assert.deepEqual(checkAll(h.sandbox.responses), []);
});
