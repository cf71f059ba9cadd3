// tti-bridge clients add|list|remove
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { act, leaf } from '../action.js';
import { keyValues, table } from '../format.js';
import type { ClientKind } from '../../idp/clients.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerClientCommands(program: Command, ctx: CliContext): void {
  const clients = program.command('clients').description('manage OAuth/OIDC clients (apps, services, the data accessor)');

  act(ctx, leaf(clients, 'add', 'register a client; a secret, if any, is shown once')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--kind <kind>', 'web | native | service | data-accessor')
    .option('--redirect-uri <uri>', 'redirect URI (repeatable)', collect)
    .option('--post-logout-redirect-uri <uri>', 'post-logout redirect URI (repeatable)', collect)
    .option('--first-party', 'skip the consent screen (your own apps)')
    .option('--allowed-tenant <id>', 'tenant a service client may search for (repeatable; * for all)', collect)
    .option('--scope <scope>', 'scope of a service client: search, admin or scim (repeatable; default search)', collect)
    .option('--client-id <id>', 'use this client ID instead of a generated one (e.g. keep the ID already registered with AWS when migrating)'),
  async ({ deps, opts }) => {
    const created = await (await deps()).clients.add({
      name: opts.name as string, kind: opts.kind as ClientKind, clientId: opts.clientId as string | undefined,
      redirectUris: opts.redirectUri as string[] | undefined, postLogoutRedirectUris: opts.postLogoutRedirectUri as string[] | undefined,
      firstParty: Boolean(opts.firstParty), allowedTenants: opts.allowedTenant as string[] | undefined, scopes: opts.scope as string[] | undefined,
    });
    const lines: [string, string][] = [['Client ID', created.clientId]];
    if (created.clientSecret) lines.push(['Client secret', created.clientSecret]);
    const note = created.clientSecret ? '\nStore the secret now: it is not stored in readable form and cannot be shown again.' : '';
    return { data: created, text: `${keyValues(lines)}${note}` };
  });

  act(ctx, leaf(clients, 'list', 'list clients (never their secrets)'), async ({ deps }) => {
    const list = await (await deps()).clients.list();
    const rows = list.map((c) => [c.clientId, c.name, c.kind, c.firstParty ? 'yes' : 'no', c.allowedTenants, c.redirectUris]);
    return { data: list, text: table(['CLIENT ID', 'NAME', 'KIND', 'FIRST PARTY', 'TENANTS', 'REDIRECT URIS'], rows, '(no clients)') };
  });

  act(ctx, leaf(clients, 'remove <clientId>', 'delete a client'), async ({ deps, args }) => {
    await (await deps()).clients.remove(args[0]!);
    return { data: { clientId: args[0], removed: true }, text: `removed client ${args[0]}` };
  });
}
