// tti-bridge tenants add|list|show|update|disable|enable|kit|link
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { act, leaf } from '../action.js';
import { keyValues, table } from '../format.js';
import { notFound } from '../../shared/errors.js';
import { tenantView, type Tenant, type TenantDetails } from '../../tenants/tenants.js';
import { FLAGS } from '../../tenants/validate.js';
import { registerKitCommand } from './tenant-kit.js';
import { registerLinkCommand } from './tenant-link.js';

const DETAIL_OPTIONS: [flag: string, key: keyof TenantDetails, help: string][] = [
  ['--qbusiness-application-id <id>', 'qbusinessApplicationId', 'Q Business application ID (36 characters)'],
  ['--qbusiness-region <region>', 'qbusinessRegion', 'region of the Q Business application, e.g. us-east-1'],
  ['--retriever-id <id>', 'retrieverId', 'Q Business retriever ID (36 characters)'],
  ['--idc-application-arn <arn>', 'idcApplicationArn', 'IAM Identity Center application ARN of the data accessor'],
  ['--idc-region <region>', 'idcRegion', 'region of the IAM Identity Center instance'],
  ['--role-arn <arn>', 'roleArn', 'IAM role the broker assumes in the customer account'],
  ['--sts-endpoint <url>', 'stsEndpoint', 'STS endpoint override ("" clears)'],
  ['--sso-oidc-endpoint <url>', 'ssoOidcEndpoint', 'SSO-OIDC endpoint override ("" clears)'],
  ['--qbusiness-endpoint <url>', 'qbusinessEndpoint', 'Q Business endpoint override ("" clears)'],
  ['--allow-backend-access <bool>', 'allowBackendAccess', 'allow service clients to search for this tenant (true|false)'],
  ['--audit-query-text <bool>', 'auditQueryText', 'keep query text in the audit trail (true|false)'],
  ['--mfa-policy <policy>', 'mfaPolicy', 'two-step sign-in with an authenticator app for local accounts: off, optional (offered after sign-in) or required'],
  ['--auth-mode <mode>', 'authMode', 'trusted-token-issuer (default) or authorization-code (users sign in at the customer\'s Identity Center)'],
  ['--auth-code-redirect-uri <url>', 'authCodeRedirectUri', 'authorization-code: the redirect URI registered with AWS, <ISSUER>/idc/callback'],
];

function withDetailOptions(cmd: Command): Command {
  for (const [flag, , help] of DETAIL_OPTIONS) cmd.option(flag, help);
  return cmd;
}

/** Collects the detail options given; booleans from text, anything else left for the service to reject. */
function detailsFrom(opts: Record<string, unknown>): TenantDetails {
  const out: Record<string, unknown> = {};
  for (const [, key] of DETAIL_OPTIONS) {
    const v = opts[key];
    if (v === undefined) continue;
    if ((FLAGS as readonly string[]).includes(key)) {
      out[key] = /^(true|yes|1)$/i.test(String(v)) ? true : /^(false|no|0)$/i.test(String(v)) ? false : v;
    } else out[key] = v;
  }
  return out as TenantDetails;
}

const rowOf = (t: Tenant) => [t.id, t.name, t.status, t.qbusinessRegion, t.qbusinessApplicationId];

function describe(t: ReturnType<typeof tenantView>): string {
  return keyValues([
    ['Tenant ID', t.id], ['Name', t.name], ['Status', t.status],
    ...DETAIL_OPTIONS.map(([, key]) => [key, t[key]] as [string, string | boolean | null]),
    ['Created', t.createdAt], ['Updated', t.updatedAt],
    ...(t.status === 'pending' ? [['Missing', t.missingDetails] as [string, string[]]] : []),
  ]);
}

export function registerTenantCommands(program: Command, ctx: CliContext): void {
  const tenants = program.command('tenants').description('manage tenants (ISV customers) and their data-accessor details');

  act(ctx, withDetailOptions(leaf(tenants, 'add <id>', 'add a tenant; the id is what the customer enters as Tenant ID in AWS')
    .requiredOption('--name <name>', 'display name')),
    async ({ deps, args, opts }) => {
      const t = await (await deps()).tenants.add({ id: args[0]!, name: opts.name as string, ...detailsFrom(opts) });
      return { data: t, text: `added tenant ${t.id} (${t.status})` };
    });

  act(ctx, leaf(tenants, 'list', 'list tenants'), async ({ deps }) => {
    const list = await (await deps()).tenants.list();
    return { data: list, text: table(['ID', 'NAME', 'STATUS', 'Q REGION', 'Q APPLICATION'], list.map(rowOf), '(no tenants)') };
  });

  act(ctx, leaf(tenants, 'show <id>', 'show a tenant with all its details'), async ({ deps, args }) => {
    const t = await (await deps()).tenants.get(args[0]!);
    if (!t) throw notFound('tenant', args[0]!);
    const view = tenantView(t);
    return { data: view, text: describe(view) };
  });

  act(ctx, withDetailOptions(leaf(tenants, 'update <id>', 'change a tenant\'s name or details').option('--name <name>', 'display name')),
    async ({ deps, args, opts }) => {
      const patch = { ...detailsFrom(opts), ...(opts.name !== undefined ? { name: opts.name as string } : {}) };
      const t = await (await deps()).tenants.update(args[0]!, patch);
      return { data: t, text: `updated tenant ${t.id} (${t.status})` };
    });

  act(ctx, leaf(tenants, 'disable <id>', 'disable a tenant: its users cannot log in, the broker refuses it'), async ({ deps, args }) => {
    const t = await (await deps()).tenants.disable(args[0]!);
    return { data: t, text: `disabled tenant ${t.id}` };
  });

  act(ctx, leaf(tenants, 'enable <id>', 'enable a disabled tenant'), async ({ deps, args }) => {
    const t = await (await deps()).tenants.enable(args[0]!);
    return { data: t, text: `enabled tenant ${t.id} (${t.status})` };
  });

  registerKitCommand(tenants, ctx);
  registerLinkCommand(tenants, ctx);
}
