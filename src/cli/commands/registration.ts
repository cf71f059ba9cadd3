// tti-bridge registration-info: what the ISV gives AWS to register as a Q Business data accessor.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { act, leaf } from '../action.js';
import { keyValues } from '../format.js';

export function registerRegistrationInfo(program: Command, ctx: CliContext): void {
  act(
    ctx,
    leaf(program, 'registration-info', 'print the values to hand AWS when registering as a data accessor')
      .option('--display-name <name>', 'product name shown to customers in the Q Business console')
      .option('--logo-url <url>', 'logo shown next to it'),
    async ({ deps, api, opts }) => {
      // Server mode: the issuer the server itself publishes. Local mode: ISSUER as configured
      // (local mode prints on stderr when it is only derived from PORT).
      const { issuer, clientId } = api
        ? {
            issuer: (await api.discovery()).issuer,
            clientId:
              (await api.call<{ clients: { clientId: string; kind: string }[] }>('GET', '/admin/clients')).clients.find((c) => c.kind === 'data-accessor')
                ?.clientId ?? null,
          }
        : await (async () => {
            const { config, clients } = await deps();
            return { issuer: config.ISSUER, clientId: await clients.dataAccessorClientId() };
          })();
      const data = {
        displayName: (opts.displayName as string | undefined) ?? null,
        logoUrl: (opts.logoUrl as string | undefined) ?? null,
        oidcClientId: clientId,
        issuer,
        discoveryUrl: `${issuer}/.well-known/openid-configuration`,
        tenantIdHelp:
          'Each customer enters their Tenant ID (the ID column of `tti-bridge tenants list`) when adding the data accessor in their Q Business application.',
      };
      const text = [
        keyValues([
          ['Display name', data.displayName ?? '(choose one: --display-name)'],
          ['Logo URL', data.logoUrl ?? '(optional: --logo-url)'],
          ['OIDC client ID', clientId ?? '(none: tti-bridge clients add --kind data-accessor --name <name>)'],
          ['Issuer', data.issuer],
          ['Discovery URL', data.discoveryUrl],
        ]),
        '',
        data.tenantIdHelp,
      ].join('\n');
      return { data, text };
    },
  );
}
