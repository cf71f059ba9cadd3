// Item 11 of issue 9: /metrics labels name only tenants that exist, and production keeps
// /metrics private (a token, or a listener of its own).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig, ConfigError } from '../../src/config/load.js';
import { startBrokerHarness } from '../helpers/broker-harness.js';
import { startTestIdp } from '../helpers/idp.js';

test('a made-up tenant id in a search path does not become a metrics label', async () => {
  const h = await startBrokerHarness();
  try {
    const real = await h.addTenant({});
    const anyTenant = await h.addService(['*']);
    const onlyReal = await h.addService([real]);
    const madeUp = [`zz-made-up-${'x'.repeat(180)}`, 'another-invented-tenant'];
    for (const id of madeUp) {
      for (const svc of [anyTenant, onlyReal]) {
        const res = await h.api('POST', `/api/v1/tenants/${id}/search`, { token: svc.token, body: { queryText: 'q', user: { id: 'u' } } });
        assert.ok(res.status >= 400 && res.status < 500, JSON.stringify(res.body));
      }
    }
    await h.api('POST', `/api/v1/tenants/${real}/search`, { token: anyTenant.token, body: { queryText: 'q', user: { id: 'nobody' } } });
    // Audit events (and so the counters) are recorded just after the responses: poll briefly.
    let text = '';
    for (let i = 0; i < 100; i++) {
      text = await (await fetch(`${h.url}/metrics`)).text();
      if (text.includes('tenant="unknown"') && text.includes(`tenant="${real}"`)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(text, /broker_searches_total\{tenant="unknown"/, 'searches for unknown tenants are counted under "unknown"');
    assert.ok(text.includes(`tenant="${real}"`), 'a real tenant keeps its own label');
    for (const id of madeUp) assert.ok(!text.includes(id), `no series for ${id}`);
  } finally {
    await h.close();
  }
});

test('production refuses to start with a public /metrics', () => {
  const prod = { NODE_ENV: 'production', ISSUER: 'https://idp.example.com', SECRET_KEY: 'k'.repeat(40), DATABASE_URL: 'postgres://db/tti' };
  assert.throws(
    () => loadConfig(prod),
    (e: unknown) => e instanceof ConfigError && e.problems.some((p) => /^METRICS_TOKEN or METRICS_PORT: required in production/.test(p)),
  );
  assert.equal(loadConfig({ ...prod, METRICS_TOKEN: 't'.repeat(32) }).METRICS_TOKEN, 't'.repeat(32));
  assert.equal(loadConfig({ ...prod, METRICS_PORT: '9100' }).METRICS_PORT, 9100);
});

test('METRICS_PORT: /metrics leaves the public port for a listener of its own; METRICS_TOKEN is enforced', async () => {
  const idp = await startTestIdp({ env: { METRICS_PORT: '9100', METRICS_TOKEN: 's'.repeat(32) } });
  const metricsServer = createServer(idp.http.metricsApp!.callback());
  try {
    const pub = await fetch(`${idp.issuer}/metrics`);
    await pub.text();
    assert.equal(pub.status, 404, 'not served on the public port');
    await new Promise<void>((ok) => metricsServer.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}/metrics`;
    for (const authorization of ['', 'Bearer wrong', `Bearer ${'s'.repeat(31)}`, `Bearer ${'s'.repeat(33)}`]) {
      const res = await fetch(url, { headers: authorization ? { authorization } : {} });
      await res.text();
      assert.equal(res.status, 401, `refused: '${authorization}'`);
    }
    const ok = await fetch(url, { headers: { authorization: `Bearer ${'s'.repeat(32)}` } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /http_request_duration_seconds/);
  } finally {
    metricsServer.close();
    await idp.stop();
  }
});
