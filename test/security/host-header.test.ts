// Every URL we publish comes from ISSUER, whatever Host or X-Forwarded-Host a request
// carries: discovery (whose jwks_uri Identity Center follows), the authorization
// redirect to the login page, the login form, the OpenAPI servers list and the tenant
// self-service page (its issuer URL is what the customer configures in AWS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { REDIRECT_URI } from '../helpers/rp.js';

/** fetch() won't send a forged Host header; node:http will. */
function get(idp: TestIdp, path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const { port } = idp.server.address() as { port: number };
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const HOSTILE: Record<string, string>[] = [
  { host: 'evil.example' },
  { host: 'evil.example:8443' },
  { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' },
];

for (const trustProxy of ['false', 'true']) {
  test(`discovery, login redirects and OpenAPI use ISSUER only (TRUST_PROXY=${trustProxy})`, async () => {
    const idp = await startTestIdp({ env: { ISSUER: 'https://idp.example.com', TRUST_PROXY: trustProxy } });
    try {
      const web = await idp.services.clients.add({ name: 'Web', kind: 'web', redirectUris: [REDIRECT_URI] });
      await idp.services.tenants.add({ id: 'host-check', name: 'Host check' });
      for (const headers of HOSTILE) {
        const disco = await get(idp, '/.well-known/openid-configuration', headers);
        assert.equal(disco.status, 200);
        assert.ok(!disco.body.includes('evil.example'), disco.body);
        const doc = JSON.parse(disco.body) as Record<string, unknown>;
        assert.equal(doc.jwks_uri, 'https://idp.example.com/jwks');
        for (const [key, value] of Object.entries(doc)) {
          if (typeof value === 'string' && /^https?:/.test(value))
            assert.ok(value === 'https://idp.example.com' || value.startsWith('https://idp.example.com/'), `${key}: ${value}`);
        }

        const auth = await get(
          idp,
          `/auth?${new URLSearchParams({ client_id: web.clientId, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })}`,
          headers,
        );
        assert.equal(auth.status, 303);
        const location = String(auth.headers.location);
        assert.ok(!location.includes('evil.example'), location);
        assert.ok(location.startsWith('/interaction/') || location.startsWith('https://idp.example.com/'), location);

        const openapi = await get(idp, '/api/v1/openapi.json', headers);
        assert.ok(!openapi.body.includes('evil.example'));
        const api = JSON.parse(openapi.body) as {
          servers: { url: string }[];
          components: { securitySchemes: { serviceToken: { flows: { clientCredentials: { tokenUrl: string } } } } };
        };
        assert.deepEqual(
          api.servers.map((s) => s.url),
          ['https://idp.example.com'],
        );
        assert.equal(api.components.securitySchemes.serviceToken.flows.clientCredentials.tokenUrl, 'https://idp.example.com/token');
        const page = await get(idp, '/api/v1/docs', headers);
        assert.equal(page.status, 200);
        assert.ok(!page.body.includes('evil.example'));
        assert.ok(page.body.includes('https://idp.example.com/token'));

        // The self-service page tells the customer which issuer URL to trust: ISSUER's, and
        // its form posts back to this host (a relative URL).
        const link = new URL(idp.services.onboardingLinks.issue('host-check').url);
        assert.equal(link.origin, 'https://idp.example.com');
        const onboard = await get(idp, link.pathname + link.search, headers);
        assert.equal(onboard.status, 200, onboard.body);
        assert.ok(!onboard.body.includes('evil.example'));
        assert.ok(onboard.body.includes('<code>https://idp.example.com</code>'));
        assert.match(onboard.body, /<form method="post" action="\/onboard\?link=/);
      }
    } finally {
      await idp.stop();
    }
  });
}
