// Several instances starting together on one empty database must end with one set of
// signing and cookie keys: otherwise ID tokens fail against the other instance's JWKS and
// sign-ins that cross instances fail ("Sign-in expired") until the key refresh.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { openDatabase, type Database, type OpenedDatabase } from '../../src/db/database.js';
import { createKeyService } from '../../src/idp/keys.js';
import { createEnvelope } from '../../src/idp/envelope.js';
import { createServices } from '../../src/services.js';
import { loadConfig } from '../../src/config/load.js';
import type { TestIdp } from '../helpers/idp.js';
import { TENANT_DETAILS } from '../helpers/accounts.js';
import { discover, logInAndConsent, startAuthorization, REDIRECT_URI } from '../helpers/rp.js';
import * as oidc from 'openid-client';
import { spawnApp, waitReady, type AppProcess } from './app-process.js';

const SECRET_KEY = 'resilience-test-secret-key-0123456789abcdef';
const databases: TestDatabase[] = [];
const apps: AppProcess[] = [];
const pools: OpenedDatabase[] = [];
after(async () => {
  for (const a of apps) a.kill('SIGKILL');
  await Promise.all(apps.map((a) => a.exited));
  await Promise.all(pools.map((p) => p.close()));
  for (const d of databases) await d.drop();
});

const keyCounts = async (database: Database) => {
  const count = async (use: string) =>
    Number(
      (
        await database
          .selectFrom('signing_keys')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('use', '=', use)
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { sig: await count('sig'), cookie: await count('cookie') };
};

test('four instances creating their first keys at once (own pools) create one signing key and one cookie key', async () => {
  const database = await createTestDatabase();
  databases.push(database);
  const instances = Array.from({ length: 4 }, () => {
    const opened = openDatabase(database.url);
    pools.push(opened);
    return createKeyService({
      database: opened.database,
      envelope: createEnvelope(SECRET_KEY),
      now: Date.now,
      activationDelaySeconds: 0,
      maxTokenTtlSeconds: 3600,
    });
  });
  await Promise.all(instances.map((k) => k.ensureKeys()));
  assert.deepEqual(await keyCounts(pools[0]!.database), { sig: 1, cookie: 1 });
  const kids = await Promise.all(instances.map(async (k) => (await k.snapshot()).signingKey.kid));
  assert.equal(new Set(kids).size, 1, 'every instance signs with the same key');
});

test('two server processes cold-starting on one empty database: one key set, the same JWKS, and a sign-in that crosses instances works', async () => {
  const database = await createTestDatabase({ migrate: false });
  databases.push(database);
  const a = await spawnApp({ DATABASE_URL: database.url, SECRET_KEY });
  // One public issuer for both, as behind a load balancer: B serves A's issuer.
  const b = await spawnApp({ DATABASE_URL: database.url, SECRET_KEY, ISSUER: a.url });
  apps.push(a, b);
  await Promise.all([waitReady(a), waitReady(b)]);

  const jwks = async (app: AppProcess) => ((await (await fetch(`${app.url}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid).sort();
  assert.deepEqual(await jwks(a), await jwks(b), 'both instances publish the same keys');
  const opened = openDatabase(database.url);
  pools.push(opened);
  assert.deepEqual(await keyCounts(opened.database), { sig: 1, cookie: 1 });

  // The sign-in starts on A (its cookies are signed with A's cookie key), the login form is
  // posted to B, and the code is redeemed at A.
  const services = createServices(loadConfig({ DATABASE_URL: database.url, SECRET_KEY }), opened.database, {});
  const tenant = await services.tenants.add({ id: 'cross', name: 'Cross', ...TENANT_DETAILS });
  const password = 'cross-instance-password-1';
  const user = await services.accounts.addUser({ tenantId: tenant.id, email: 'cross@example.com', groups: [], password });
  const web = await services.clients.add({ name: 'web', kind: 'web', redirectUris: [REDIRECT_URI] });
  const config = await discover({ issuer: a.url } as TestIdp, web.clientId, web.clientSecret);
  const { browser, verifier, state, page } = await startAuthorization(config, 'openid email');
  const step = await logInAndConsent({ issuer: b.url } as TestIdp, browser, page, { tenant: tenant.id, email: user.email, password });
  assert.ok(step.url.startsWith(REDIRECT_URI), `the sign-in reached the client (${step.res?.status}: ${(await step.res?.text())?.slice(0, 300)})`);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(step.url), { pkceCodeVerifier: verifier, expectedState: state });
  assert.ok(tokens.id_token);
});
