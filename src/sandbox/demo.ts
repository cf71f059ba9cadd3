// The shipped demo fixture and the details a customer would hand to the ISV for a tenant.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SandboxFixture } from './fixture/types.js';
import type { Caller } from './state/model.js';
import { buildWorld, type World } from './state/world.js';
import { trustedActions } from './sts/assume-role.js';

export const DEMO_TENANT_ID = 'demo';

/** Source tree location; from a compiled build (dist/) fall back to the source copy. */
const DEMO_FIXTURE_CANDIDATES = [new URL('./fixtures/demo.yaml', import.meta.url), new URL('../../../src/sandbox/fixtures/demo.yaml', import.meta.url)].map(
  (u) => fileURLToPath(u),
);
export const DEMO_FIXTURE_PATH: string = DEMO_FIXTURE_CANDIDATES.find((p) => existsSync(p)) ?? (DEMO_FIXTURE_CANDIDATES[0] as string);

export interface TenantSetup {
  tenantId: string;
  /** The ISV base principal's long-term keys (sandbox-only values from the fixture). */
  principalArn: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The data-accessor role the ISV assumes. */
  roleArn: string;
  /** The five details from the customer's "Information for data accessor" tab. */
  applicationId: string;
  qbusinessRegion: string;
  retrieverId: string;
  idcApplicationArn: string;
  idcRegion: string;
  dataAccessorId: string;
  authenticationType: 'AWS_IAM_IDC_TTI' | 'AWS_IAM_IDC_AUTH_CODE';
  /** Empty for an authorization-code data accessor. */
  trustedTokenIssuerArn: string;
  /** The ISV's registered redirect URIs (authorization-code data accessors). */
  redirectUris: string[];
  issuerUrl: string;
  audiences: string[];
}

/**
 * Finds the data accessor whose external id is `tenantId` and everything the ISV needs to call it,
 * in a started sandbox (its live state); from a fixture alone (no sandbox in this process) the
 * world is built once here.
 */
export function demoSetup(source: { world: World } | SandboxFixture, tenantId: string = DEMO_TENANT_ID): TenantSetup {
  const world = 'world' in source ? source.world : buildWorld(source);
  for (const app of world.applications.values()) {
    for (const da of app.dataAccessors.values()) {
      if (da.externalId !== tenantId) continue;
      const role = world.roles.get(da.principal);
      const principal =
        role &&
        [...world.principals.values()].find((p) => {
          const caller: Caller = { kind: 'principal', arn: p.arn, accountId: p.accountId, principal: p };
          return trustedActions(role, caller).has('sts:AssumeRole');
        });
      if (!principal) throw new Error(`no principal with keys is trusted by ${da.principal}`);
      const tti = da.trustedTokenIssuerArn ? app.instance.trustedTokenIssuers.get(da.trustedTokenIssuerArn) : undefined;
      return {
        tenantId,
        principalArn: principal.arn,
        accessKeyId: principal.accessKeyId,
        secretAccessKey: principal.secretAccessKey,
        roleArn: da.principal,
        applicationId: app.id,
        qbusinessRegion: app.region,
        retrieverId: [...app.retrievers][0] as string,
        idcApplicationArn: da.idcApplicationArn,
        idcRegion: app.instance.region,
        dataAccessorId: da.id,
        authenticationType: da.authenticationType,
        trustedTokenIssuerArn: da.trustedTokenIssuerArn ?? '',
        redirectUris: da.redirectUris,
        issuerUrl: tti?.issuerUrl ?? '',
        audiences: da.audiences,
      };
    }
  }
  throw new Error(`the fixture has no data accessor with external id '${tenantId}'`);
}
