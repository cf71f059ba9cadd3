// tti-bridge registration-info: what the ISV gives AWS to register as a Q Business data accessor.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { act, leaf } from '../action.js';
import { keyValues } from '../format.js';

export function registerRegistrationInfo(program: Command, ctx: CliContext): void {
  act(ctx, leaf(program, 'registration-info', 'print the values to hand AWS when registering as a data accessor')
    .option('--display-name <name>', 'product name shown to customers in the Q Business console')
    .option('--logo-url <url>', 'logo shown next to it'),
  async ({ deps, opts }) => {
    const { config, clients } = await deps();
    const clientId = await clients.dataAccessorClientId();
    const data = {
      displayName: (opts.displayName as string | undefined) ?? null,
      logoUrl: (opts.logoUrl as string | undefined) ?? null,
      oidcClientId: clientId,
      issuer: config.ISSUER,
      discoveryUrl: `${config.ISSUER}/.well-known/openid-configuration`,
      tenantIdHelp: 'Each customer enters their Tenant ID (the ID column of `tti-bridge tenants list`) when adding the data accessor in their Q Business application.',
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
  });
}
