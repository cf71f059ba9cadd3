// The authorization-code flow of an AWS_IAM_IDC_AUTH_CODE data accessor in the sandbox: the
// Identity Center authorize endpoint (sign-in, consent, redirect) driven over HTTP, and
// CreateTokenWithIAM's authorization_code and refresh_token grants through the real AWS SDK.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  SSOOIDCClient,
  CreateTokenWithIAMCommand,
  InvalidGrantException,
  InvalidRequestException,
  UnauthorizedClientException,
  ExpiredTokenException,
  type CreateTokenWithIAMCommandInput,
} from '@aws-sdk/client-sso-oidc';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { demoSetup, IDENTITY_CENTER_PROVIDER_ARN, type TenantSetup } from '../../src/sandbox/index.js';
import { startHarness, expectError, TENANT_TAG, type Harness } from './harness.js';
import { checkAll } from './fidelity.js';

let h: Harness;
let idc: TenantSetup;
let creds: AwsCredentialIdentity;
let redirectUri: string;
before(async () => {
  h = await startHarness();
  idc = demoSetup(h.sandbox, 'demo-idc');
  redirectUri = idc.redirectUris[0]!;
  creds = await h.assume({ tags: [{ Key: TENANT_TAG, Value: 'demo-idc' }] });
});
after(async () => {
  await h.close();
});

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

function authorizeUrl(params: Record<string, string> = {}): string {
  const url = new URL('/authorize', h.sandbox.url);
  const all = { response_type: 'code', client_id: idc.idcApplicationArn, redirect_uri: redirectUri, state: 'st-1', ...params };
  for (const [k, v] of Object.entries(all)) url.searchParams.set(k, v);
  return url.toString();
}

const post = (form: Record<string, string>) =>
  fetch(new URL('/authorize', h.sandbox.url), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });

/** Signs in and answers the consent page; returns the redirect's URL. */
async function signIn(username: string, password: string, extra: Record<string, string> = {}, decision = 'allow'): Promise<URL> {
  const params = Object.fromEntries(new URL(authorizeUrl(extra)).searchParams);
  const login = await post({ ...params, username, password });
  if (login.status === 302) return new URL(login.headers.get('location')!);
  assert.equal(login.status, 200, await login.clone().text());
  const consent = /name="consent" value="([^"]+)"/.exec(await login.text())?.[1];
  assert.ok(consent, 'consent page');
  const res = await post({ consent: consent.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c))), decision });
  assert.equal(res.status, 302);
  return new URL(res.headers.get('location')!);
}

const token = (input: Partial<CreateTokenWithIAMCommandInput>) =>
  h.oidc(creds).send(
    new CreateTokenWithIAMCommand({
      clientId: idc.idcApplicationArn,
      grantType: 'authorization_code',
      ...input,
    }),
  );

async function codeFor(username = 'alice', challenge?: string): Promise<string> {
  const back = await signIn(username, 'globex-password', challenge ? { code_challenge: challenge, code_challenge_method: 'S256' } : {});
  assert.equal(back.origin + back.pathname, redirectUri);
  assert.equal(back.searchParams.get('state'), 'st-1');
  return back.searchParams.get('code')!;
}

test('sign-in, consent, code with PKCE, token, identity-enhanced search; the code is single-use', async () => {
  const page = await fetch(authorizeUrl());
  assert.equal(page.status, 200);
  assert.match(await page.text(), /Sign in to continue to <strong>tti-bridge-demo-idc/);
  const { verifier, challenge } = pkce();
  const code = await codeFor('alice', challenge);
  const out = await token({ code, redirectUri, codeVerifier: verifier });
  assert.equal(out.tokenType, 'Bearer');
  assert.equal(out.issuedTokenType, 'urn:ietf:params:oauth:token-type:refresh_token');
  assert.ok(out.refreshToken && out.accessToken && out.idToken);
  const claims = JSON.parse(Buffer.from(out.idToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
  assert.equal(claims['sts:identity_context'], out.awsAdditionalDetails?.identityContext);
  assert.equal(claims['aws:application_arn'], idc.idcApplicationArn);
  assert.equal(claims['act'], undefined, 'no trusted token issuer acted for the user');
  const user = await h.assume({
    tags: [{ Key: TENANT_TAG, Value: 'demo-idc' }],
    contexts: [{ ProviderArn: IDENTITY_CENTER_PROVIDER_ARN, ContextAssertion: out.awsAdditionalDetails!.identityContext! }],
  });
  const found = await h.search(user, { queryText: 'Kestrel-3 concept' });
  assert.ok(
    found.relevantContent?.some((r) => r.documentId === 'eng/kestrel-3-concept'),
    'alice sees her own document',
  );

  const replay = await expectError(token({ code, redirectUri, codeVerifier: verifier }), 'InvalidGrantException', 400, InvalidGrantException);
  assert.equal(replay['error'], 'invalid_grant');
  assert.match(String(replay['error_description']), /already used/);
});

test('PKCE verifier, redirect URI and client are checked against the code', async () => {
  const { verifier, challenge } = pkce();
  const wrongVerifier = await expectError(
    token({ code: await codeFor('bob', challenge), redirectUri, codeVerifier: pkce().verifier }),
    'InvalidGrantException',
    400,
  );
  assert.match(String(wrongVerifier['error_description']), /codeVerifier does not match/);
  const noVerifier = await expectError(token({ code: await codeFor('bob', challenge), redirectUri }), 'InvalidGrantException', 400);
  assert.match(String(noVerifier['error_description']), /codeVerifier is required/);
  const otherRedirect = await expectError(
    token({ code: await codeFor('bob', challenge), redirectUri: `${redirectUri}x`, codeVerifier: verifier }),
    'InvalidGrantException',
    400,
  );
  assert.match(String(otherRedirect['error_description']), /redirectUri does not match/);
  await expectError(token({ redirectUri }), 'InvalidRequestException', 400, InvalidRequestException);
  await expectError(token({ code: 'made-up', redirectUri }), 'InvalidGrantException', 400);
  // A code exchanged after its lifetime (5 minutes).
  const late = await codeFor('bob');
  h.clock.advance(6 * 60_000);
  try {
    const expired = await expectError(token({ code: late, redirectUri }), 'InvalidGrantException', 400);
    assert.match(String(expired['error_description']), /expired/);
  } finally {
    h.clock.advance(-6 * 60_000);
  }
});

test('the trusted-token-issuer application refuses authorization codes, and this one refuses jwt-bearer', async () => {
  const code = await codeFor();
  const tti = await h.assume();
  await expectError(
    h.oidc(tti).send(new CreateTokenWithIAMCommand({ clientId: h.setup.idcApplicationArn, grantType: 'authorization_code', code, redirectUri })),
    'UnauthorizedClientException',
    400,
    UnauthorizedClientException,
  );
  await expectError(
    token({ grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await h.issuer.mint({ email: 'alice@example.com' }) }),
    'UnauthorizedClientException',
    400,
    UnauthorizedClientException,
  );
  const page = await fetch(authorizeUrl({ client_id: h.setup.idcApplicationArn }));
  assert.equal(page.status, 400);
});

test('refresh_token grant: new identity context and a rotated refresh token; forged and expired tokens refused', async () => {
  const first = await token({ code: await codeFor(), redirectUri });
  const refreshed = await token({ grantType: 'refresh_token', refreshToken: first.refreshToken });
  assert.ok(refreshed.awsAdditionalDetails?.identityContext);
  assert.ok(refreshed.refreshToken && refreshed.refreshToken !== first.refreshToken);
  const forged = await expectError(
    token({ grantType: 'refresh_token', refreshToken: `${first.refreshToken!.slice(0, -4)}AAAA` }),
    'InvalidGrantException',
    400,
  );
  assert.equal(forged['error'], 'invalid_grant');
  await expectError(token({ grantType: 'refresh_token' }), 'InvalidRequestException', 400);
  const skew = 91 * 86_400_000;
  h.clock.advance(skew);
  try {
    // The SDK signs with the sandbox's (advanced) time.
    const later = await h.sts(h.base, { systemClockOffset: skew }).send(
      new AssumeRoleCommand({
        RoleArn: idc.roleArn,
        RoleSessionName: 'later',
        Tags: [{ Key: TENANT_TAG, Value: 'demo-idc' }],
      }),
    );
    const c = later.Credentials!;
    const client = new SSOOIDCClient({
      endpoint: h.sandbox.url,
      region: idc.idcRegion,
      maxAttempts: 1,
      systemClockOffset: skew,
      credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! },
    });
    const expired = await expectError(
      client.send(new CreateTokenWithIAMCommand({ clientId: idc.idcApplicationArn, grantType: 'refresh_token', refreshToken: refreshed.refreshToken })),
      'ExpiredTokenException',
      400,
      ExpiredTokenException,
    );
    assert.equal(expired['error'], 'expired_token');
    client.destroy();
  } finally {
    h.clock.advance(-skew);
  }
});

test('authorize: unregistered redirect URIs get an error page, never a redirect; other errors redirect with state', async () => {
  const bad = await fetch(authorizeUrl({ redirect_uri: 'https://evil.example/cb' }), { redirect: 'manual' });
  assert.equal(bad.status, 400);
  assert.equal(bad.headers.get('location'), null);
  const unknown = await fetch(authorizeUrl({ client_id: 'arn:aws:sso::444455556666:application/ssoins-7223a9d5c8e0b4f1/apl-0000000000000000' }), {
    redirect: 'manual',
  });
  assert.equal(unknown.status, 400);
  const type = new URL((await fetch(authorizeUrl({ response_type: 'token' }), { redirect: 'manual' })).headers.get('location')!);
  assert.equal(type.searchParams.get('error'), 'unsupported_response_type');
  assert.equal(type.searchParams.get('state'), 'st-1');
  const plain = new URL(
    (await fetch(authorizeUrl({ code_challenge: pkce().challenge, code_challenge_method: 'plain' }), { redirect: 'manual' })).headers.get('location')!,
  );
  assert.equal(plain.searchParams.get('error'), 'invalid_request');

  const params = Object.fromEntries(new URL(authorizeUrl()).searchParams);
  const wrong = await post({ ...params, username: 'alice', password: 'nope' });
  assert.equal(wrong.status, 401);
  assert.match(await wrong.text(), /Incorrect username or password/);
  const denied = await signIn('alice', 'globex-password', {}, 'deny');
  assert.equal(denied.searchParams.get('error'), 'access_denied');
  assert.equal(denied.searchParams.get('code'), null);
  // carol is in no assigned group; the application requires assignment.
  const carol = await signIn('carol', 'globex-password');
  assert.equal(carol.searchParams.get('error'), 'access_denied');
  assert.equal(carol.searchParams.get('state'), 'st-1');
  const forgedConsent = await post({ consent: 'AAAA', decision: 'allow' });
  assert.equal(forgedConsent.status, 400);
});

test('every CreateTokenWithIAM response matches the service model', () => {
  assert.deepEqual(checkAll(h.sandbox.responses), []);
});
