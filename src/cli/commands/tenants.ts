// tti-bridge tenants add|list|show|update|disable|enable|kit|link
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { act, leaf, usageError } from '../action.js';
import { keyValues, table } from '../format.js';
import { notFound } from '../../shared/errors.js';
import { tenantView, type TenantDetails } from '../../tenants/tenants.js';

type TenantView = ReturnType<typeof tenantView>;
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
  ['--auth-mode <mode>', 'authMode', "trusted-token-issuer (default) or authorization-code (users sign in at the customer's Identity Center)"],
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

const rowOf = (t: TenantView) => [t.id, t.name, t.status, t.qbusinessRegion, t.qbusinessApplicationId];

function describe(t: TenantView): string {
  return keyValues([
    ['Tenant ID', t.id],
    ['Name', t.name],
    ['Status', t.status],
    ...DETAIL_OPTIONS.map(([, key]) => [key, t[key]] as [string, string | boolean | null]),
    ['Created', t.createdAt],
    ['Updated', t.updatedAt],
    ...(t.status === 'pending' ? [['Missing', t.missingDetails] as [string, string[]]] : []),
  ]);
}

const path = (id: string) => `/admin/tenants/${encodeURIComponent(id)}`;

/** `tenants check` ran and a step failed (scripts can tell it from 1, the check could not run). */
const CHECK_FAILED_EXIT = 3;
export function registerTenantCommands(program: Command, ctx: CliContext): void {
  const tenants = program.command('tenants').description('manage tenants (ISV customers) and their data-accessor details');

  act(
    ctx,
    withDetailOptions(
      leaf(tenants, 'add [id]', 'add a tenant; the id is what the customer enters as Tenant ID in AWS')
        .option('--id <id>', 'the tenant id (same as the positional argument)')
        .requiredOption('--name <name>', 'display name'),
    ),
    async ({ deps, api, args, opts }) => {
      if (args[0] && opts.id && args[0] !== opts.id) throw usageError(`two different tenant ids given: '${args[0]}' and --id '${String(opts.id)}'`);
      const id = args[0] ?? (opts.id as string | undefined);
      if (!id) throw usageError('give the tenant id: tti-bridge tenants add <id> --name <name>');
      const input = { id, name: opts.name as string, ...detailsFrom(opts) };
      const t = api ? await api.call<TenantView>('POST', '/admin/tenants', input) : tenantView(await (await deps()).tenants.add(input));
      return { data: t, text: `added tenant ${t.id} (${t.status})` };
    },
  );

  act(ctx, leaf(tenants, 'list', 'list tenants'), async ({ deps, api }) => {
    const list = api ? (await api.call<{ tenants: TenantView[] }>('GET', '/admin/tenants')).tenants : (await (await deps()).tenants.list()).map(tenantView);
    return { data: list, text: table(['ID', 'NAME', 'STATUS', 'Q REGION', 'Q APPLICATION'], list.map(rowOf), '(no tenants)') };
  });

  act(ctx, leaf(tenants, 'show <id>', 'show a tenant with all its details'), async ({ deps, api, args }) => {
    let view: TenantView;
    if (api) view = await api.call<TenantView>('GET', path(args[0]!));
    else {
      const t = await (await deps()).tenants.get(args[0]!);
      if (!t) throw notFound('tenant', args[0]!);
      view = tenantView(t);
    }
    return { data: view, text: describe(view) };
  });

  act(
    ctx,
    withDetailOptions(leaf(tenants, 'update <id>', "change a tenant's name or details").option('--name <name>', 'display name')),
    async ({ deps, api, args, opts }) => {
      const patch = { ...detailsFrom(opts), ...(opts.name !== undefined ? { name: opts.name as string } : {}) };
      const t = api ? await api.call<TenantView>('PATCH', path(args[0]!), patch) : tenantView(await (await deps()).tenants.update(args[0]!, patch));
      return { data: t, text: `updated tenant ${t.id} (${t.status})` };
    },
  );

  act(ctx, leaf(tenants, 'disable <id>', 'disable a tenant: its users cannot log in, the broker refuses it'), async ({ deps, api, args }) => {
    const t = api ? await api.call<TenantView>('POST', `${path(args[0]!)}/disable`) : tenantView(await (await deps()).tenants.disable(args[0]!));
    return { data: t, text: `disabled tenant ${t.id}` };
  });

  act(ctx, leaf(tenants, 'enable <id>', 'enable a disabled tenant'), async ({ deps, api, args }) => {
    const t = api ? await api.call<TenantView>('POST', `${path(args[0]!)}/enable`) : tenantView(await (await deps()).tenants.enable(args[0]!));
    return { data: t, text: `enabled tenant ${t.id} (${t.status})` };
  });

  act(
    ctx,
    leaf(
      tenants,
      'check <id>',
      `server mode: dry-run the exchange and a search for one user; prints each step's result (exit status ${CHECK_FAILED_EXIT} when a step fails, 1 when the check cannot run)`,
    )
      .option('--email <email>', 'the user, by email')
      .option('--user-id <id>', 'the user, by id'),
    async ({ api, args, opts }) => {
      // The check runs the broker inside the server (its AWS credentials, cache and audit trail).
      if (!api) throw usageError('tenants check runs on the server: add --profile <name> (tti-bridge login) or --server <url> --client-id <id>');
      const body = opts.email !== undefined ? { email: opts.email } : opts.userId !== undefined ? { userId: opts.userId } : undefined;
      if (!body || (opts.email !== undefined && opts.userId !== undefined)) throw usageError('give the user with --email or --user-id (one of them)');
      const r = await api.call<{
        ok: boolean;
        failedStep: string | null;
        steps: { step: string; ok: boolean; latencyMs?: number; error?: { code: string; message: string } }[];
      }>('POST', `${path(args[0]!)}/check`, body);
      const rows = r.steps.map((st) => [st.step, st.ok ? 'ok' : 'FAILED', st.latencyMs, st.error ? `${st.error.code}: ${st.error.message}` : '']);
      const head = r.ok ? `tenant ${args[0]} works end to end` : `tenant ${args[0]}: step ${r.failedStep} failed`;
      return { data: r, text: `${head}\n${table(['STEP', 'RESULT', 'MS', 'ERROR'], rows)}`, ...(r.ok ? {} : { exitCode: CHECK_FAILED_EXIT }) };
    },
  );

  registerKitCommand(tenants, ctx);
  registerLinkCommand(tenants, ctx);
}
