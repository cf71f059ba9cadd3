// tti-bridge upstreams add|list|show|update|remove: the ISV's own identity providers, for
// federated sign-in (--client-id) and/or as trusted external issuers of the broker's user
// tokens (--token-audience). The client secret comes from stdin or a no-echo prompt and is
// stored encrypted; it is never printed.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { act, leaf, usageError } from '../action.js';
import { keyValues, table } from '../format.js';
import type { CliIo } from '../context.js';
import { upstreamRedirectUri, type UpstreamInput, type UpstreamView } from '../../federation/upstreams.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function withOptions(cmd: Command): Command {
  return cmd
    .option('--name <name>', 'display name: the login page shows "Continue with <name>"')
    .option('--issuer <url>', "the upstream's exact issuer URL (its discovery is <issuer>/.well-known/openid-configuration)")
    .option('--tenant <id>', 'tenant it signs users into / speaks for (repeatable; replaces the list)', collect)
    .option('--client-id <id>', 'federated sign-in: our client id at the upstream ("" turns sign-in off)')
    .option('--client-secret-stdin', 'read the client secret from standard input (one line)')
    .option('--prompt-client-secret', 'ask for the client secret on the terminal (no echo)')
    .option('--no-client-secret', 'public client (PKCE only): remove a stored client secret')
    .option('--scope <scope>', 'scope to request (repeatable; default openid email profile)', collect)
    .option('--email-domain <domain>', 'email domain routed to it by "Continue with single sign-on" (repeatable)', collect)
    .option('--claim-email <claim>', 'claim holding the email (default email)')
    .option('--claim-email-verified <claim>', 'claim that must be true (default email_verified)')
    .option('--claim-name <claim>', 'claim holding the display name (default name)')
    .option('--claim-groups <claim>', 'claim holding the groups ("" for none)')
    .option('--tenant-claim <claim>', 'claim whose value picks the tenant through --map ("" for none)')
    .option('--map <value=tenant>', 'tenant map entry for --tenant-claim (repeatable; replaces the map)', collect)
    .option('--token-audience <aud>', 'trusted external issuer: the aud its tokens must carry for the broker ("" turns it off)')
    .option('--clock-skew <seconds>', 'clock skew allowed on its tokens, 0-60 (default 30)')
    .option('--enabled <bool>', 'true|false');
}

const nullable = (v: unknown) => (v === undefined ? undefined : v === '' ? null : String(v));

async function secretOf(io: CliIo, opts: Record<string, unknown>): Promise<string | null | undefined> {
  if (opts.clientSecretStdin && opts.promptClientSecret) throw usageError('use only one of --client-secret-stdin and --prompt-client-secret');
  if (opts.clientSecretStdin) return (await io.readStdin()).replace(/\r?\n$/, '');
  if (opts.promptClientSecret) return io.promptHidden('Client secret: ');
  if (opts.clientSecret === false) return null; // --no-client-secret
  return undefined;
}

async function inputFrom(io: CliIo, opts: Record<string, unknown>, id?: string): Promise<UpstreamInput> {
  const map = opts.map as string[] | undefined;
  const bad = map?.find((m) => !/^[^=]+=.+$/.test(m));
  if (bad) throw usageError(`--map takes value=tenant, not '${bad}'`);
  const skew = opts.clockSkew as string | undefined;
  if (skew !== undefined && !/^\d+$/.test(skew)) throw usageError('--clock-skew takes a number of seconds from 0 to 60');
  const enabled = opts.enabled as string | undefined;
  if (enabled !== undefined && !/^(true|false)$/.test(enabled)) throw usageError('--enabled takes true or false');
  const input: Record<string, unknown> = {
    id,
    displayName: opts.name,
    issuer: opts.issuer,
    tenants: opts.tenant,
    clientId: nullable(opts.clientId),
    clientSecret: await secretOf(io, opts),
    scopes: opts.scope,
    emailDomains: opts.emailDomain,
    claimEmail: opts.claimEmail,
    claimEmailVerified: opts.claimEmailVerified,
    claimName: opts.claimName,
    claimGroups: nullable(opts.claimGroups),
    tenantClaim: nullable(opts.tenantClaim),
    tokenAudience: nullable(opts.tokenAudience),
    tenantMap: map ? Object.fromEntries(map.map((m) => [m.slice(0, m.indexOf('=')), m.slice(m.indexOf('=') + 1)])) : undefined,
    clockSkewSeconds: skew === undefined ? undefined : Number(skew),
    enabled: enabled === undefined ? undefined : enabled === 'true',
  };
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as UpstreamInput;
}

const show = (u: UpstreamView, issuer: string) =>
  keyValues([
    ['ID', u.id],
    ['Name', u.displayName],
    ['Issuer', u.issuer],
    ['Enabled', u.enabled],
    ['Tenants', u.tenants],
    ['Federated sign-in', u.login ? `yes (client ${u.clientId}, ${u.hasClientSecret ? 'secret set' : 'public client'})` : 'no'],
    ['Redirect URI', u.login ? upstreamRedirectUri(issuer) : null],
    ['Scopes', u.scopes],
    ['Email domains', u.emailDomains],
    ['Claims', `email=${u.claimEmail} email_verified=${u.claimEmailVerified} name=${u.claimName} groups=${u.claimGroups ?? '-'}`],
    [
      'Tenant claim',
      u.tenantClaim
        ? `${u.tenantClaim} → ${
            Object.entries(u.tenantMap)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ') || '(empty map)'
          }`
        : null,
    ],
    ['Trusted issuer', u.trustedIssuer ? `yes (aud ${u.tokenAudience}, skew ${u.clockSkewSeconds} s)` : 'no'],
  ]);

export function registerUpstreamCommands(program: Command, ctx: CliContext): void {
  const upstreams = program.command('upstreams').description('connect existing identity providers: federated sign-in and trusted token issuers');

  act(
    ctx,
    withOptions(leaf(upstreams, 'add <id>', 'add an upstream (needs --name, --issuer, --tenant and --client-id and/or --token-audience)')),
    async ({ deps, args, opts }) => {
      const d = await deps();
      const u = await d.upstreams().add(await inputFrom(ctx.io, opts, args[0]));
      const note = u.login ? `\nRegister this redirect URI at ${u.displayName}: ${upstreamRedirectUri(d.config.ISSUER)}` : '';
      return { data: u, text: `added upstream ${u.id}${note}` };
    },
  );

  act(ctx, leaf(upstreams, 'list', 'list upstreams (never their secrets)'), async ({ deps }) => {
    const list = await (await deps()).upstreams().list();
    const rows = list.map((u) => [u.id, u.displayName, u.issuer, u.tenants, u.login ? 'yes' : 'no', u.trustedIssuer ? 'yes' : 'no', u.enabled ? 'yes' : 'no']);
    return { data: list, text: table(['ID', 'NAME', 'ISSUER', 'TENANTS', 'SIGN-IN', 'TOKENS', 'ENABLED'], rows, '(no upstreams)') };
  });

  act(ctx, leaf(upstreams, 'show <id>', 'show one upstream and the redirect URI to register'), async ({ deps, args }) => {
    const d = await deps();
    const u = await d.upstreams().get(args[0]!);
    return { data: { ...u, redirectUri: upstreamRedirectUri(d.config.ISSUER) }, text: show(u, d.config.ISSUER) };
  });

  act(ctx, withOptions(leaf(upstreams, 'update <id>', 'change an upstream (only the options given)')), async ({ deps, args, opts }) => {
    const u = await (await deps()).upstreams().update(args[0]!, await inputFrom(ctx.io, opts));
    return { data: u, text: `updated upstream ${u.id}` };
  });

  act(ctx, leaf(upstreams, 'remove <id>', 'delete an upstream and its identity links (the users stay, without that sign-in)'), async ({ deps, args }) => {
    await (await deps()).upstreams().remove(args[0]!);
    return { data: { id: args[0], removed: true }, text: `removed upstream ${args[0]}` };
  });
}
