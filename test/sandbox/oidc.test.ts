// CreateTokenWithIAM token checks with hand-made tokens from a test issuer, as Identity Center
// with a trusted token issuer would apply them, surfaced as the SDK's exception classes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, generateKeyPair } from 'jose';
import {
  CreateTokenWithIAMCommand,
  InvalidGrantException,
  InvalidClientException,
  AccessDeniedException,
  InvalidRequestException,
  UnsupportedGrantTypeException,
  UnauthorizedClientException,
  InvalidScopeException,
} from '@aws-sdk/client-sso-oidc';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { startHarness, expectError, type Harness } from './harness.js';
import { checkAll } from './fidelity.js';

let h: Harness;
let creds: AwsCredentialIdentity;
before(async () => {
  h = await startHarness();
  creds = await h.assume();
});
after(async () => {
  await h.close();
});

const alice = { email: 'alice@example.com' };
async function refused(token: string, why: RegExp): Promise<void> {
  const err = await expectError(h.exchange(creds, token), 'InvalidGrantException', 400, InvalidGrantException);
  assert.equal(err['error'], 'invalid_grant');
  assert.match(String(err['error_description']), why);
}
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

test('iss must byte-equal the IssuerUrl', async () => {
  await refused(await h.issuer.mint({ ...alice, iss: `${h.issuer.url}/` }), /claim 'iss'/);
});

test('aud must be an authorized audience', async () => {
  await refused(await h.issuer.mint({ ...alice, aud: 'someone-else' }), /claim 'aud'.*not an authorized audience/);
});

test('exp must be present and in the future', async () => {
  const now = Math.floor(h.clock.now() / 1000);
  await refused(await h.issuer.mint({ ...alice, iat: now - 600, exp: now - 1 }), /expired/);
  await refused(await h.issuer.mint(alice, { omit: ['exp'] }), /no numeric 'exp'/);
});

test('jti must be present and is single-use', async () => {
  await refused(await h.issuer.mint(alice, { omit: ['jti'] }), /no 'jti'/);
  const token = await h.issuer.mint(alice);
  await h.exchange(creds, token);
  await refused(token, /'jti'.*already used/);
});

test("alg 'none' and HS256 signed with the issuer's public key are refused", async () => {
  const now = Math.floor(h.clock.now() / 1000);
  const claims = { ...alice, iss: h.issuer.url, aud: 'tti-bridge-test-client', exp: now + 300, jti: 'none-1' };
  await refused(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`, /alg 'none'.*RS256 only/);
  const confused = await new SignJWT({ ...claims, jti: 'hs-1' })
    .setProtectedHeader({ alg: 'HS256', kid: h.issuer.kid })
    .sign(new TextEncoder().encode(JSON.stringify(h.issuer.publicJwk())));
  await refused(confused, /alg 'HS256'/);
});

test('a token signed by another key fails signature verification', async () => {
  const other = await generateKeyPair('RS256');
  await refused(await h.issuer.mint(alice, { key: other.privateKey }), /signature does not verify/);
});

test('an unknown kid refetches the JWKS once, and a rotated key is picked up', async () => {
  const before = h.issuer.fetches.jwks;
  await refused(await h.issuer.mint(alice, { kid: 'no-such-kid' }), /no key with kid 'no-such-kid'/);
  assert.equal(h.issuer.fetches.jwks, before + 1);
  h.clock.advance(10_000); // past the refetch cooldown
  const kid = await h.issuer.rotate();
  const out = await h.exchange(creds, await h.issuer.mint(alice, { kid }));
  assert.ok(out.idToken);
  assert.equal(h.issuer.fetches.jwks, before + 2);
});

test('a cold key cache fetches the JWKS once for an unknown kid', async () => {
  const cold = await startHarness();
  try {
    const c = await cold.assume();
    await expectError(cold.exchange(c, await cold.issuer.mint(alice, { kid: 'no-such-kid' })), 'InvalidGrantException', 400, InvalidGrantException);
    assert.equal(cold.issuer.fetches.jwks, 1);
  } finally {
    await cold.close();
  }
});

test('a body over 1 MiB is refused with 413 before the signature is checked (HTTP/1.1)', async () => {
  const err = await expectError(h.exchange(creds, 'x'.repeat(1_100_000)), 'RequestEntityTooLargeException', 413);
  assert.match(String(err['error_description']), /larger than 1048576 bytes/);
  assert.equal(h.sandbox.calls.at(-1)?.caller, 'anonymous');
  assert.ok(await h.exchange(creds, await h.issuer.mint(alice)));
});

test('the email claim must map to exactly one identity-store user', async () => {
  await refused(await h.issuer.mint({ email: 'nobody@example.com' }), /matches 0 users on 'emails.value'/);
  await refused(await h.issuer.mint({ sub: 'x' }), /no string claim 'email'/);
  const users = h.sandbox.world.instances.values().next().value!.users;
  users.push({ ...users[0]!, id: 'dup-id', userName: 'alice2' });
  try {
    await refused(await h.issuer.mint(alice), /matches 2 users/);
  } finally {
    users.pop();
  }
});

test('clientId, region, grant type, scope and caller are checked', async () => {
  const send = (input: Record<string, unknown>, c = creds, region?: string) =>
    h.oidc(c, region).send(
      new CreateTokenWithIAMCommand({
        clientId: h.setup.idcApplicationArn,
        grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        ...input,
      }),
    );
  const token = () => h.issuer.mint(alice);
  await expectError(
    send({ clientId: 'arn:aws:sso::444455556666:application/ssoins-7223a9d5c8e0b4f1/apl-0000000000000000', assertion: await token() }),
    'InvalidClientException',
    401,
    InvalidClientException,
  );
  await expectError(send({ assertion: await token() }, creds, 'eu-west-1'), 'InvalidClientException', 401, InvalidClientException);
  await expectError(send({ grantType: 'password' }), 'UnsupportedGrantTypeException', 400, UnsupportedGrantTypeException);
  await expectError(send({ grantType: 'authorization_code', code: 'x' }), 'UnauthorizedClientException', 400, UnauthorizedClientException);
  await expectError(send({}), 'InvalidRequestException', 400, InvalidRequestException);
  await expectError(send({ assertion: await token(), scope: ['qbusiness:admin'] }), 'InvalidScopeException', 400, InvalidScopeException);
  const err = await expectError(send({ assertion: await token() }, h.base), 'AccessDeniedException', 400, AccessDeniedException);
  assert.match(String(err['error_description']), /only sessions of the data accessor principal/);
  await expectError(
    send({ assertion: await token() }, { accessKeyId: 'ASIAUNKNOWN000000000', secretAccessKey: 'x', sessionToken: 'y' }),
    'UnrecognizedClientException',
    403,
  );
});

test('every response in this file matches the service models', () => {
  assert.deepEqual(checkAll(h.sandbox.responses), []);
});
