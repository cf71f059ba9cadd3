// Item 7 of issue 9: behind the proxy (TRUST_PROXY=true), the per-IP login limit must count
// the address the proxy saw, not the client-chosen leftmost X-Forwarded-For entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { formAction, hiddenFields, startTestIdp } from '../helpers/idp.js';
import { discover, startAuthorization, REDIRECT_URI } from '../helpers/rp.js';

const PROXY_SAW = '203.0.113.7';

test('70 guesses with a spoofed leftmost X-Forwarded-For through one proxy hop hit the per-IP limit (429)', async () => {
  const idp = await startTestIdp({ env: { TRUST_PROXY: 'true' } });
  try {
    await idp.services.tenants.add({ id: 'acme', name: 'Acme' });
    const web = await idp.services.clients.add({ name: 'Web', kind: 'web', redirectUris: [REDIRECT_URI] });
    const { browser, page } = await startAuthorization(await discover(idp, web.clientId, web.clientSecret));
    const html = await page.res!.text();
    const url = new URL(formAction(html, '/login'), idp.issuer).toString();
    const statuses: number[] = [];
    for (let i = 0; i < 70; i++) {
      // A different account per guess: only the IP counter can lock; the client varies its
      // own XFF entry, the proxy (nginx's $proxy_add_x_forwarded_for) appends what it saw.
      const res = await browser.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `10.${i >> 8}.${i & 255}.9, ${PROXY_SAW}` },
        body: new URLSearchParams({ ...hiddenFields(html, '/login'), tenant: 'acme', email: `guess${i}@acme.test`, password: 'wrong guess' }).toString(),
      });
      await res.text();
      statuses.push(res.status);
      if (res.status === 429) break;
    }
    assert.equal(statuses.at(-1), 429, `never locked; statuses: ${[...new Set(statuses)].join(',')}`);
    assert.equal(statuses.length, idp.config.LOGIN_MAX_FAILURES_IP + 1, 'locked right after the IP limit');
    const row = await idp.database.selectFrom('login_throttle').selectAll().where('key', '=', `ip:${PROXY_SAW}`).executeTakeFirst();
    assert.ok(row?.locked_until, 'the counter is the proxy-seen address');
    const clientChosen = idp.database.selectFrom('login_throttle').select(sql<number>`count(*)::int`.as('n')).where('key', 'like', 'ip:10.%');
    assert.equal((await clientChosen.executeTakeFirstOrThrow()).n, 0, 'no counter for client-chosen entries');
  } finally {
    await idp.stop();
  }
});

test('TRUST_PROXY_HOPS=2: the client address is the second entry from the right', async () => {
  const idp = await startTestIdp({ env: { TRUST_PROXY: 'true', TRUST_PROXY_HOPS: '2', LOGIN_MAX_FAILURES_IP: '3' } });
  try {
    await idp.services.tenants.add({ id: 'acme', name: 'Acme' });
    const web = await idp.services.clients.add({ name: 'Web', kind: 'web', redirectUris: [REDIRECT_URI] });
    const { browser, page } = await startAuthorization(await discover(idp, web.clientId, web.clientSecret));
    const html = await page.res!.text();
    const res = await browser.fetch(new URL(formAction(html, '/login'), idp.issuer).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `1.2.3.4, ${PROXY_SAW}, 198.51.100.1` },
      body: new URLSearchParams({ ...hiddenFields(html, '/login'), tenant: 'acme', email: 'x@acme.test', password: 'wrong guess' }).toString(),
    });
    assert.equal(res.status, 401);
    assert.ok(await idp.database.selectFrom('login_throttle').selectAll().where('key', '=', `ip:${PROXY_SAW}`).executeTakeFirst());
  } finally {
    await idp.stop();
  }
});
