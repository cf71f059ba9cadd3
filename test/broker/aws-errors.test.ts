// SDK exceptions → AwsFailure → AppError, using the SDK's own exception classes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThrottlingException, AccessDeniedException } from '@aws-sdk/client-qbusiness';
import { InvalidGrantException } from '@aws-sdk/client-sso-oidc';
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
  const e = new InvalidGrantException({ message: 'UnknownError', $metadata: meta(400), error: 'invalid_grant', error_description: "Invalid grant provided: claim 'jti' ('x') was already used" });
  const f = toAwsFailure('create_token', e);
  assert.match(f.message, /already used/);
  assert.equal(translateAwsFailure(f, { tenantId: 't' }).code, 'assertion_rejected');
  const unmapped = toAwsFailure('create_token', new InvalidGrantException({ message: 'UnknownError', $metadata: meta(400), error_description: 'Invalid grant provided: no user has emails.value = a@b.c (attribute emails.value)' }));
  const app = translateAwsFailure(unmapped, { tenantId: 't', claim: { name: 'email', value: 'a@b.c' } });
  assert.equal(app.code, 'identity_not_mapped');
  assert.equal(app.options.detail?.mappedAttribute, 'emails.value');
});

test('network errors are unavailable (503); access denied on search is data_accessor_denied', () => {
  const net = toAwsFailure('assume_role', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
  assert.equal(net.name, 'NetworkError');
  assert.equal(translateAwsFailure(net, { tenantId: 't' }).status, 503);
  const denied = toAwsFailure('search', new AccessDeniedException({ message: 'no', $metadata: meta(403) }));
  assert.equal(translateAwsFailure(denied, { tenantId: 't' }).code, 'data_accessor_denied');
});
