// Onboarding links are credentials: exactly the string that was issued verifies, not a
// variant a lenient base64url decoder would read as the same signature.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOnboardingLinks } from '../../src/tenants/onboarding-link.js';

const links = createOnboardingLinks({ secretKey: 'link-test-secret-0123456789abcdef012345', issuer: 'https://idp.example.com' });

test('only the canonical spelling of a link verifies', () => {
  const token = new URL(links.issue('acme').url).searchParams.get('link')!;
  assert.equal(links.verify(token).tenantId, 'acme');
  const sig = token.split('.')[2]!;
  // 32 bytes → 43 characters; the last one carries 2 spare bits.
  const last = sig.at(-1)!;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const spare = alphabet[alphabet.indexOf(last) ^ 1]!;
  const variants = [`${token}=`, `${token}!`, `${token}"><b>`, `${token.slice(0, -1)}${spare}`, token.replace(sig, `${sig.slice(0, 5)} ${sig.slice(5)}`)];
  for (const v of variants) {
    assert.throws(
      () => links.verify(v),
      (e: { code?: string }) => e.code === 'link_invalid',
      v,
    );
  }
});
