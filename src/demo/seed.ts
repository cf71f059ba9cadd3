// Sets up the demo tenant on both sides for the zero-config start: the customer side lives
// in the sandbox fixture (Identity Center users and groups, trusted token issuer pointing
// at our issuer, Q application, data accessors for tenants 'demo' and 'demo-idc'); this fills
// in the ISV side: the data-accessor client, the tenants' details, demo users and two clients.
// Client secrets are shown once by design, so the demo keeps its own in DATA_DIR
// (development only) to print them on every start.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AppServices } from '../services.js';
import type { TenantSetup } from '../sandbox/index.js';
import { IDC_CALLBACK_PATH } from '../tenants/validate.js';

export const DEMO_DATA_ACCESSOR_CLIENT_ID = 'tti-bridge-data-accessor';
/** The same customer's second data accessor, in authorization-code mode (src/sandbox/fixtures/demo.yaml). */
export const DEMO_IDC_TENANT_ID = 'demo-idc';
/** The sandbox Identity Center users' password (fixture), for the authorization-code sign-in. */
export const DEMO_IDC_PASSWORD = 'globex-password';
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
export async function ensureDataAccessorClient(services: Pick<AppServices, 'clients'>): Promise<string> {
  const existing = await services.clients.dataAccessorClientId();
  if (existing) return existing;
  await services.clients.add({ name: 'Amazon Q data accessor', kind: 'data-accessor', clientId: DEMO_DATA_ACCESSOR_CLIENT_ID });
  return DEMO_DATA_ACCESSOR_CLIENT_ID;
}

async function ensureClient(
  services: AppServices,
  saved: DemoClients | undefined,
  key: keyof DemoClients,
  create: () => Promise<{ clientId: string; clientSecret?: string }>,
  redirectUri?: string,
  tenants: string[] = [],
) {
  const row = saved?.[key] ? await services.clients.get(saved[key].clientId) : null;
  const uris = (row?.metadata as { redirect_uris?: string[] } | undefined)?.redirect_uris ?? [];
  // A client saved by an older demo may lack a tenant added since (demo-idc).
  const current = row && (!redirectUri || uris.includes(redirectUri)) && tenants.every((t) => row.allowedTenants.includes(t));
  if (current) return saved![key];
  if (row) await services.clients.remove(row.clientId); // the issuer changed since the last start
  const c = await create();
  return { clientId: c.clientId, clientSecret: c.clientSecret! };
}

/** The tenant's data-accessor details as the customer's setup gives them, every AWS endpoint at the sandbox. */
export const demoTenantDetails = (setup: TenantSetup, sandboxUrl: string) => ({
  qbusinessApplicationId: setup.applicationId,
  qbusinessRegion: setup.qbusinessRegion,
  retrieverId: setup.retrieverId,
  idcApplicationArn: setup.idcApplicationArn,
  idcRegion: setup.idcRegion,
  roleArn: setup.roleArn,
  stsEndpoint: sandboxUrl,
  ssoOidcEndpoint: sandboxUrl,
  qbusinessEndpoint: sandboxUrl,
});

async function seedTenant(services: AppServices, id: string, name: string, details: Record<string, unknown>): Promise<void> {
  if (await services.tenants.get(id)) await services.tenants.update(id, details);
  else await services.tenants.add({ id, name, ...details });
  for (const u of DEMO_USERS) {
    if (!(await services.accounts.getUser(id, u.email))) await services.accounts.addUser({ tenantId: id, ...u, password: DEMO_PASSWORD });
  }
}

export async function seedDemo(
  services: AppServices,
  opts: { setup: TenantSetup; idcSetup?: TenantSetup; sandboxUrl: string; dataDir: string; issuer: string },
): Promise<DemoClients> {
  const { setup, idcSetup } = opts;
  // The sandbox port can change between starts, so the endpoints are refreshed every time.
  await seedTenant(services, setup.tenantId, 'Globex (demo)', { ...demoTenantDetails(setup, opts.sandboxUrl), allowBackendAccess: true });
  // The same users, in a workspace whose searches need each user's Identity Center sign-in.
  if (idcSetup) {
    await seedTenant(services, idcSetup.tenantId, 'Globex via Identity Center (demo)', {
      ...demoTenantDetails(idcSetup, opts.sandboxUrl),
      authMode: 'authorization-code',
      authCodeRedirectUri: `${opts.issuer}${IDC_CALLBACK_PATH}`,
    });
  }
  const tenants = [setup.tenantId, ...(idcSetup ? [idcSetup.tenantId] : [])];
  const file = join(resolve(opts.dataDir), 'demo-clients.json');
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DemoClients) : undefined;
  const clients: DemoClients = {
    service: await ensureClient(
      services,
      saved,
      'service',
      () => services.clients.add({ name: 'Demo ISV backend', kind: 'service', scopes: ['search', 'admin'], allowedTenants: tenants }),
      undefined,
      tenants,
    ),
    web: await ensureClient(
      services,
      saved,
      'web',
      () =>
        services.clients.add({
          name: 'Demo ISV app',
          kind: 'web',
          firstParty: true,
          redirectUris: [`${opts.issuer}/demo/callback`],
          postLogoutRedirectUris: [`${opts.issuer}/demo`],
        }),
      `${opts.issuer}/demo/callback`,
    ),
  };
  mkdirSync(resolve(opts.dataDir), { recursive: true });
  writeFileSync(file, JSON.stringify(clients, null, 2), { mode: 0o600 });
  return clients;
}
