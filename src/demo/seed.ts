// Sets up the demo tenant on both sides for the zero-config start: the customer side lives
// in the sandbox fixture (Identity Center users and groups, trusted token issuer pointing
// at our issuer, Q application, data accessor for tenant 'demo'); this fills in the ISV
// side: the data-accessor client, the tenant's details, demo users and two clients.
// Client secrets are shown once by design, so the demo keeps its own in DATA_DIR
// (development only) to print them on every start.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { App } from '../app.js';
import type { TenantSetup } from '../sandbox/index.js';

export const DEMO_DATA_ACCESSOR_CLIENT_ID = 'tti-bridge-data-accessor';
export const DEMO_PASSWORD = 'demo-password';
export const DEMO_USERS = [
  { email: 'alice@example.com', name: 'Alice Anders', groups: ['engineering'] },
  { email: 'bob@example.com', name: 'Bob Baker', groups: ['sales'] },
  // The fixture does not assign carol to the Q application: she shows a refused search.
  { email: 'carol@example.com', name: 'Carol Chen', groups: ['people-ops'], unassigned: true },
];

export interface DemoClients {
  service: { clientId: string; clientSecret: string };
  web: { clientId: string; clientSecret: string };
}

/** The data-accessor client must exist before the sandbox fixture is loaded (it is the TTI audience). */
export async function ensureDataAccessorClient(app: Pick<App, 'clients'>): Promise<string> {
  const existing = await app.clients.dataAccessorClientId();
  if (existing) return existing;
  await app.clients.add({ name: 'Amazon Q data accessor', kind: 'data-accessor', clientId: DEMO_DATA_ACCESSOR_CLIENT_ID });
  return DEMO_DATA_ACCESSOR_CLIENT_ID;
}

async function ensureClient(app: App, saved: DemoClients | undefined, key: keyof DemoClients, create: () => Promise<{ clientId: string; clientSecret?: string }>, redirectUri?: string) {
  const row = saved?.[key] ? await app.clients.get(saved[key].clientId) : null;
  const uris = (row?.metadata as { redirect_uris?: string[] } | undefined)?.redirect_uris ?? [];
  if (row && (!redirectUri || uris.includes(redirectUri))) return saved![key];
  if (row) await app.clients.remove(row.clientId); // the issuer changed since the last start
  const c = await create();
  return { clientId: c.clientId, clientSecret: c.clientSecret! };
}

/** The tenant's data-accessor details as the customer's setup gives them, every AWS endpoint at the sandbox. */
export const demoTenantDetails = (setup: TenantSetup, sandboxUrl: string) => ({
  qbusinessApplicationId: setup.applicationId, qbusinessRegion: setup.qbusinessRegion, retrieverId: setup.retrieverId,
  idcApplicationArn: setup.idcApplicationArn, idcRegion: setup.idcRegion, roleArn: setup.roleArn,
  stsEndpoint: sandboxUrl, ssoOidcEndpoint: sandboxUrl, qbusinessEndpoint: sandboxUrl,
});

export async function seedDemo(app: App, opts: { setup: TenantSetup; sandboxUrl: string; dataDir: string; issuer: string }): Promise<DemoClients> {
  const { setup } = opts;
  // The sandbox port can change between starts, so the endpoints are refreshed every time.
  const details = { ...demoTenantDetails(setup, opts.sandboxUrl), allowBackendAccess: true };
  if (await app.tenants.get(setup.tenantId)) await app.tenants.update(setup.tenantId, details);
  else await app.tenants.add({ id: setup.tenantId, name: 'Globex (demo)', ...details });
  for (const u of DEMO_USERS) {
    if (!(await app.accounts.getUser(setup.tenantId, u.email))) {
      await app.accounts.addUser({ tenantId: setup.tenantId, ...u, password: DEMO_PASSWORD });
    }
  }
  const file = join(resolve(opts.dataDir), 'demo-clients.json');
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DemoClients) : undefined;
  const clients: DemoClients = {
    service: await ensureClient(app, saved, 'service', () => app.clients.add({ name: 'Demo ISV backend', kind: 'service', scopes: ['search', 'admin'], allowedTenants: [setup.tenantId] })),
    web: await ensureClient(app, saved, 'web', () => app.clients.add({
      name: 'Demo ISV app', kind: 'web', firstParty: true,
      redirectUris: [`${opts.issuer}/demo/callback`], postLogoutRedirectUris: [`${opts.issuer}/demo`],
    }), `${opts.issuer}/demo/callback`),
  };
  mkdirSync(resolve(opts.dataDir), { recursive: true });
  writeFileSync(file, JSON.stringify(clients, null, 2), { mode: 0o600 });
  return clients;
}
