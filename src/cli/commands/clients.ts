// tti-bridge clients add|list|show|update|rotate-secret|remove
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { act, leaf, usageError } from '../action.js';
import { keyValues, table } from '../format.js';
import type { ClientKind, ClientPatch, ClientSummary } from '../../idp/clients.js';
import { AppError } from '../../shared/errors.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];
const path = (id: string) => `/admin/clients/${encodeURIComponent(id)}`;

function describe(c: ClientSummary): string {
  return keyValues([
    ['Client ID', c.clientId],
    ['Name', c.name],
    ['Kind', c.kind],
    ['First party', c.firstParty],
    ['Allowed tenants', c.allowedTenants],
    ['Scopes', c.scopes],
    ['Redirect URIs', c.redirectUris],
    ['Post-logout URIs', c.postLogoutRedirectUris],
    ['Old secret until', c.previousSecretExpiresAt],
    ['Created', c.createdAt],
  ]);
}

export function registerClientCommands(program: Command, ctx: CliContext): void {
  const clients = program.command('clients').description('manage OAuth/OIDC clients (apps, services, the data accessor)');

  act(
    ctx,
    leaf(clients, 'add', 'register a client; a secret, if any, is shown once')
      .requiredOption('--name <name>', 'display name')
      .requiredOption('--kind <kind>', 'web | native | service | data-accessor')
      .option('--client-id <id>', 'use this client ID instead of a generated one (e.g. keep the ID already registered with AWS when migrating)')
      .option('--redirect-uri <uri>', 'redirect URI (repeatable)', collect)
      .option('--post-logout-redirect-uri <uri>', 'post-logout redirect URI (repeatable)', collect)
      .option('--first-party', 'skip the consent screen (your own apps)')
      .option('--allowed-tenant <id>', 'tenant a service client may search for and administer (repeatable; * for all)', collect)
      .option('--scope <scope>', 'scope of a service client: search, admin or scim (repeatable; default search)', collect)
      .option('--secret-only', 'print only the secret (to pipe into `tti-bridge login --client-secret-stdin` or a secret store)'),
    async ({ deps, api, opts }) => {
      if (opts.secretOnly && opts.kind !== 'web' && opts.kind !== 'service') throw usageError('--secret-only: only web and service clients have a secret');
      const input = {
        name: opts.name as string,
        kind: opts.kind as ClientKind,
        ...(opts.clientId ? { clientId: opts.clientId as string } : {}),
        redirectUris: opts.redirectUri as string[] | undefined,
        postLogoutRedirectUris: opts.postLogoutRedirectUri as string[] | undefined,
        firstParty: Boolean(opts.firstParty),
        allowedTenants: opts.allowedTenant as string[] | undefined,
        scopes: opts.scope as string[] | undefined,
      };
      let created: { clientId: string; clientSecret?: string };
      if (api) created = await api.call('POST', '/admin/clients', input);
      else {
        const service = (await deps()).clients;
        if (input.kind === 'data-accessor') {
          // AWS knows one client id per ISV: say which one exists (the demo creates one) rather than only refusing.
          const existing = await service.dataAccessorClientId();
          if (existing) {
            throw new AppError(
              'data_accessor_client_exists',
              409,
              `the data accessor client already exists: '${existing}' (the demo creates one). ` +
                `Use it (tti-bridge registration-info prints it), or remove it first with tti-bridge clients remove ${existing} to register a new id with AWS.`,
            );
          }
        }
        created = await service.add(input);
      }
      const lines: [string, string][] = [['Client ID', created.clientId]];
      if (created.clientSecret) lines.push(['Client secret', created.clientSecret]);
      const note = created.clientSecret ? '\nStore the secret now: it is not stored in readable form and cannot be shown again.' : '';
      const data = { clientId: created.clientId, ...(created.clientSecret ? { clientSecret: created.clientSecret } : {}) };
      return { data, text: opts.secretOnly ? created.clientSecret! : `${keyValues(lines)}${note}` };
    },
  );

  act(ctx, leaf(clients, 'list', 'list clients (never their secrets)'), async ({ deps, api }) => {
    const list = api ? (await api.call<{ clients: ClientSummary[] }>('GET', '/admin/clients')).clients : await (await deps()).clients.list();
    const rows = list.map((c) => [c.clientId, c.name, c.kind, c.firstParty ? 'yes' : 'no', c.allowedTenants, c.scopes, c.redirectUris]);
    return { data: list, text: table(['CLIENT ID', 'NAME', 'KIND', 'FIRST PARTY', 'TENANTS', 'SCOPES', 'REDIRECT URIS'], rows, '(no clients)') };
  });

  act(ctx, leaf(clients, 'show <clientId>', 'show one client (never its secret)'), async ({ deps, api, args }) => {
    const c = api ? await api.call<ClientSummary>('GET', path(args[0]!)) : await (await deps()).clients.show(args[0]!);
    if (!c) throw new AppError('client_not_found', 404, `client '${args[0]}' does not exist`);
    return { data: c, text: describe(c) };
  });

  act(
    ctx,
    leaf(clients, 'update <clientId>', "change a client's name, allowed tenants, scopes or redirect URIs (id and secret stay)")
      .option('--name <name>', 'display name')
      .option('--add-tenant <id>', 'allow one more tenant (repeatable)', collect)
      .option('--remove-tenant <id>', 'stop allowing a tenant (repeatable)', collect)
      .option('--allowed-tenant <id>', 'replace the allowed tenants with these (repeatable; * for all)', collect)
      .option('--scope <scope>', 'replace the scopes with these: search, admin (repeatable)', collect)
      .option('--redirect-uri <uri>', 'replace the redirect URIs with these (repeatable)', collect)
      .option('--post-logout-redirect-uri <uri>', 'replace the post-logout redirect URIs (repeatable)', collect),
    async ({ deps, api, args, opts }) => {
      const id = args[0]!;
      const add = (opts.addTenant as string[] | undefined) ?? [];
      const remove = (opts.removeTenant as string[] | undefined) ?? [];
      if (opts.allowedTenant && (add.length || remove.length))
        throw usageError('use --allowed-tenant (replace the list) or --add-tenant/--remove-tenant, not both');
      const show = async () => (api ? api.call<ClientSummary>('GET', path(id)) : (await deps()).clients.show(id));
      const patch: ClientPatch = {
        ...(opts.name !== undefined ? { name: opts.name as string } : {}),
        ...(opts.allowedTenant ? { allowedTenants: opts.allowedTenant as string[] } : {}),
        ...(opts.scope ? { scopes: opts.scope as string[] } : {}),
        ...(opts.redirectUri ? { redirectUris: opts.redirectUri as string[] } : {}),
        ...(opts.postLogoutRedirectUri ? { postLogoutRedirectUris: opts.postLogoutRedirectUri as string[] } : {}),
      };
      if (add.length || remove.length) {
        // Read, change, write: concurrent edits of one client's tenant list are an operator's rare case.
        const current = await show();
        if (!current) throw new AppError('client_not_found', 404, `client '${id}' does not exist`);
        patch.allowedTenants = [...new Set([...current.allowedTenants, ...add])].filter((t) => !remove.includes(t));
      }
      if (!Object.keys(patch).length)
        throw usageError('nothing to change: give --name, --add-tenant, --remove-tenant, --allowed-tenant, --scope or --redirect-uri');
      const c = api ? await api.call<ClientSummary>('PATCH', path(id), patch) : await (await deps()).clients.update(id, patch);
      return { data: c, text: `updated client ${c.clientId}\n${describe(c)}` };
    },
  );

  act(
    ctx,
    leaf(clients, 'rotate-secret <clientId>', 'issue a new secret (shown once); the old one keeps working for --overlap seconds')
      .option('--overlap <seconds>', 'how long the old secret keeps working (0-604800)', '0')
      .option('--secret-only', 'print only the new secret'),
    async ({ deps, api, args, opts }) => {
      const overlap = Number(opts.overlap);
      if (!Number.isInteger(overlap) || overlap < 0 || overlap > 604_800) throw usageError('--overlap must be a number of seconds from 0 to 604800 (a week)');
      const r = api
        ? await api.call<{ clientId: string; clientSecret: string; previousSecretExpiresAt: string | null }>('POST', `${path(args[0]!)}/rotate-secret`, {
            overlapSeconds: overlap,
          })
        : await (await deps()).clients.rotateSecret(args[0]!, overlap);
      const until = r.previousSecretExpiresAt
        ? `the old secret works until ${new Date(r.previousSecretExpiresAt).toISOString()}`
        : 'the old secret no longer works';
      if (opts.secretOnly) return { data: r, text: r.clientSecret };
      return {
        data: r,
        text: `${keyValues([
          ['Client ID', r.clientId],
          ['Client secret', r.clientSecret],
        ])}\nStore the new secret now: it cannot be shown again; ${until}.`,
      };
    },
  );

  act(ctx, leaf(clients, 'remove <clientId>', 'delete a client'), async ({ deps, api, args }) => {
    if (api) await api.call('DELETE', path(args[0]!));
    else await (await deps()).clients.remove(args[0]!);
    return { data: { clientId: args[0], removed: true }, text: `removed client ${args[0]}` };
  });
}
