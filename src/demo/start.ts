// Zero-config demo: starts the AWS sandbox in-process with the demo fixture (its trusted
// token issuer points at our issuer), seeds the ISV side, and returns what to print.
import type { Config } from '../config/load.js';
import type { AppServices } from '../services.js';
import { startSandbox, loadFixture, demoSetup, DEMO_FIXTURE_PATH, DEMO_TENANT_ID, type Sandbox } from '../sandbox/index.js';
import { IDC_CALLBACK_PATH, isRedirectUri } from '../tenants/validate.js';
import { ensureDataAccessorClient, seedDemo, DEMO_IDC_PASSWORD, DEMO_IDC_TENANT_ID, DEMO_PASSWORD, DEMO_USERS, type DemoClients } from './seed.js';

export interface Demo {
  sandbox: Sandbox;
  clients: DemoClients;
  /** The authorization-code workspace (demo-idc) was seeded (the fixture has its data accessor). */
  idcTenant: boolean;
  credentials: { accessKeyId: string; secretAccessKey: string };
  banner(): Promise<string>;
  stop(): Promise<void>;
}

export async function startDemo(services: AppServices, config: Config): Promise<Demo> {
  const dataAccessorClientId = await ensureDataAccessorClient(services);
  const fixture = loadFixture(config.SANDBOX_FIXTURE ?? DEMO_FIXTURE_PATH, { ISSUER: config.ISSUER, DATA_ACCESSOR_CLIENT_ID: dataAccessorClientId });
  const sandbox = await startSandbox({ fixture, port: config.SANDBOX_PORT, host: '127.0.0.1' }).catch(() =>
    startSandbox({ fixture, port: 0, host: '127.0.0.1' }),
  );
  // The demo tenant's endpoints point at the sandbox: allowed while it runs in this process.
  const withdrawSandbox = services.endpoints.allowSandbox(sandbox.url);
  try {
    return await seeded();
  } catch (err) {
    // A failed seed must not leave the sandbox listening behind a failed start.
    withdrawSandbox();
    await sandbox.close();
    throw err;
  }

  async function seeded(): Promise<Demo> {
    const setup = demoSetup(sandbox, DEMO_TENANT_ID);
    // A custom SANDBOX_FIXTURE may have no authorization-code data accessor, and an ISSUER that
    // is neither https nor loopback cannot be a redirect URI: then only 'demo'.
    const idcSetup = (() => {
      if (!isRedirectUri(`${config.ISSUER}${IDC_CALLBACK_PATH}`)) return undefined;
      try {
        return demoSetup(sandbox, DEMO_IDC_TENANT_ID);
      } catch {
        return undefined;
      }
    })();
    const clients = await seedDemo(services, { setup, idcSetup, sandboxUrl: sandbox.url, dataDir: config.DATA_DIR, issuer: config.ISSUER });
    return {
      sandbox,
      clients,
      idcTenant: idcSetup !== undefined,
      credentials: { accessKeyId: setup.accessKeyId, secretAccessKey: setup.secretAccessKey },
      banner: async () => {
        const alice = await services.accounts.getUser(DEMO_TENANT_ID, 'alice@example.com');
        const { service } = clients;
        const i = config.ISSUER;
        return [
          '',
          'tti-bridge is running (development mode, AWS sandbox in-process; nothing here reaches AWS)',
          '',
          `  Issuer / discovery   ${i}  ${i}/.well-known/openid-configuration`,
          `  Demo app             ${i}/demo`,
          `  Broker API           ${i}/api/v1   (reference: ${i}/api/v1/docs, OpenAPI: ${i}/api/v1/openapi.json)`,
          `  AWS sandbox          ${sandbox.url}`,
          '',
          `  Demo users (workspace "${DEMO_TENANT_ID}", password "${DEMO_PASSWORD}"):`,
          ...DEMO_USERS.map((u) => `    ${u.email.padEnd(20)} ${u.groups.join(', ')}${u.unassigned ? '  (not assigned to the data accessor)' : ''}`),
          ...(idcSetup
            ? [
                `  The same users in workspace "${DEMO_IDC_TENANT_ID}" (authorization-code mode) then connect at the sandbox's`,
                `  Identity Center as alice / bob / carol, password "${DEMO_IDC_PASSWORD}".`,
              ]
            : []),
          '',
          '  Try the broker API (demo-only credentials):',
          `    TOKEN=$(curl -s -u '${service.clientId}:${service.clientSecret}' -d grant_type=client_credentials -d scope=search -d resource=${i}/api ${i}/token | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')`,
          `    curl -s -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
          `      -d '{"queryText":"Kestrel thermal vacuum test","user":{"id":"${alice?.id}"}}' ${i}/api/v1/tenants/${DEMO_TENANT_ID}/search`,
          '',
        ].join('\n');
      },
      stop: () => {
        withdrawSandbox();
        return sandbox.close();
      },
    };
  }
}
