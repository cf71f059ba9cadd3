// `tti-bridge sandbox`: start the local AWS on a port and print how to point the broker at it.
import { loadFixture } from './fixture/load.js';
import { DEMO_FIXTURE_PATH, DEMO_TENANT_ID, demoSetup } from './demo.js';
import { startSandbox, type Sandbox } from './sandbox.js';

export interface RunSandboxOptions {
  port: number;
  host: string;
  fixturePath?: string;
  /** Placeholder values, e.g. { ISSUER, DATA_ACCESSOR_CLIENT_ID }. */
  vars: Record<string, string>;
  /** Where to print; defaults to stdout. */
  out?: (line: string) => void;
}

export async function runSandbox(opts: RunSandboxOptions): Promise<Sandbox> {
  const out = opts.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const fixturePath = opts.fixturePath ?? DEMO_FIXTURE_PATH;
  const fixture = loadFixture(fixturePath, opts.vars);
  const sandbox = await startSandbox({ fixture, port: opts.port, host: opts.host });
  out(`AWS sandbox (STS, SSO-OIDC, Q Business, SSO Admin) listening on ${sandbox.url}`);
  out(`  fixture: ${fixturePath}`);
  out('  point every AWS SDK client at it with `endpoint`; any region name works.');
  try {
    const d = demoSetup(sandbox, DEMO_TENANT_ID);
    out(`Tenant '${d.tenantId}' (sandbox-only credentials from the fixture):`);
    out(`  ISV base principal      ${d.principalArn}`);
    out(`  AWS_ACCESS_KEY_ID       ${d.accessKeyId}`);
    out(`  AWS_SECRET_ACCESS_KEY   ${d.secretAccessKey}`);
    out(`  data accessor role      ${d.roleArn}`);
    out(`  Q Business application  ${d.applicationId}`);
    out(`  Q Business region       ${d.qbusinessRegion}`);
    out(`  retriever id            ${d.retrieverId}`);
    out(`  IDC application ARN     ${d.idcApplicationArn}`);
    out(`  IDC region              ${d.idcRegion}`);
    out(`  trusted token issuer    ${d.issuerUrl} (audience ${d.audiences.join(', ') || 'none'})`);
  } catch (e) {
    out(`  (no '${DEMO_TENANT_ID}' tenant in this fixture: ${(e as Error).message})`);
  }
  return sandbox;
}
