// SDK exceptions → AwsFailure → AppError, using the SDK's own exception classes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThrottlingException, AccessDeniedException } from '@aws-sdk/client-qbusiness';
import { InvalidGrantException, AccessDeniedException as SsoAccessDenied } from '@aws-sdk/client-sso-oidc';
import { toAwsFailure } from '../../src/broker/aws/errors.js';
import { translateAwsFailure } from '../../src/broker/errors.js';

const meta = (status: number) => ({ httpStatusCode: status, requestId: 'req-1' });

test('throttling carries Retry-After and maps to 429', () => {
  const e = new ThrottlingException({ message: 'slow down', $metadata: meta(429) });
  Object.defineProperty(e, '$response', { value: { headers: { 'retry-after': '7' } } });
  const f = toAwsFailure('search', e);
  assert.equal(f.throttled, true);
  assert.equal(f.retryAfterSeconds, 7);
  const app = translateAwsFailure(f, { tenantId: 't' });
  assert.equal(app.status, 429);
  assert.equal(app.options.retryAfter, 7);
});

test('SSO-OIDC errors use error_description as the message', () => {
  const e = new InvalidGrantException({ message: 'UnknownError', $metadata: meta(400), error: 'invalid_grant', error_description: 'Invalid grant provided' });
  const f = toAwsFailure('create_token', e);
  assert.equal(f.message, 'Invalid grant provided');
  assert.equal(f.name, 'InvalidGrantException');
});

const sent = { iss: 'https://idp.isv.example', aud: 'isv-client', kid: 'k-1', exp: '2026-01-01T00:00:00.000Z', email: 'a@b.c' };
const ctx = {
  tenantId: 't',
  roleArn: 'arn:aws:iam::1:role/R',
  idcApplicationArn: 'arn:aws:sso::1:application/ssoins-1/apl-1',
  claim: { name: 'email', value: 'a@b.c' },
  assertion: sent,
};
const invalidGrant = (text: string) =>
  toAwsFailure('create_token', new InvalidGrantException({ message: 'UnknownError', $metadata: meta(400), error_description: text }));

test('InvalidGrantException is assertion_rejected whatever its text says, with every candidate cause and the value sent', () => {
  // The first text names the email mapping, the second the audience: neither is relied on.
  for (const text of [
    'Invalid grant provided',
    'No user matches emails.value = a@b.c (attribute emails.value)',
    "claim 'aud' not authorized",
    'Token audience mismatch.',
  ]) {
    const app = translateAwsFailure(invalidGrant(text), ctx);
    assert.equal(app.code, 'assertion_rejected', text);
    assert.equal(app.status, 502);
    const causes = app.options.detail?.causes as { check: string; sent: string }[];
    assert.deepEqual(
      causes.map((c) => c.check),
      ['issuer', 'audience', 'user_mapping', 'signing_key', 'lifetime_and_replay'],
    );
    assert.deepEqual(
      causes.map((c) => c.sent),
      [`iss = '${sent.iss}'`, `aud = '${sent.aud}'`, `email = 'a@b.c'`, `kid = 'k-1'`, `exp = '${sent.exp}' and a fresh jti`],
    );
    assert.ok(app.message.includes(text), 'AWS is quoted');
  }
  assert.match(translateAwsFailure(invalidGrant('Invalid grant provided'), ctx).message, /did not say which check failed/);
  assert.match(translateAwsFailure(invalidGrant('Token audience mismatch.'), ctx).message, /not relied on/);
});

test('AccessDeniedException from CreateTokenWithIAM: identity_access_denied with its candidates; a KMS reason is certain', () => {
  const denied = toAwsFailure('create_token', new SsoAccessDenied({ message: 'UnknownError', $metadata: meta(400), error_description: 'access_denied' }));
  const app = translateAwsFailure(denied, ctx);
  assert.equal(app.code, 'identity_access_denied');
  assert.deepEqual(
    (app.options.detail!.causes as { check: string }[]).map((c) => c.check),
    ['assignment', 'caller_permission'],
  );
  assert.match(app.message, /did not say which check failed/);
  const kms = toAwsFailure(
    'create_token',
    new SsoAccessDenied({ message: 'UnknownError', $metadata: meta(400), error_description: 'denied', reason: 'KMS_AccessDeniedException' }),
  );
  assert.equal(kms.reason, 'KMS_AccessDeniedException');
  assert.equal(translateAwsFailure(kms, ctx).code, 'tenant_misconfigured');
});

test('network errors are unavailable (503); access denied on search is data_accessor_denied', () => {
  const net = toAwsFailure('assume_role', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
  assert.equal(net.name, 'NetworkError');
  assert.equal(translateAwsFailure(net, { tenantId: 't' }).status, 503);
  const denied = toAwsFailure('search', new AccessDeniedException({ message: 'no', $metadata: meta(403) }));
  assert.equal(translateAwsFailure(denied, { tenantId: 't' }).code, 'data_accessor_denied');
});
