// tti-bridge login: checks an admin client's credentials against a running server and saves
// them as a profile (0600), so later commands need only --profile NAME.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { act, leaf, usageError } from '../action.js';
import { keyValues } from '../format.js';
import { profilesPath, saveProfile } from '../profiles.js';
import { createRemote, serverUrl } from '../remote.js';

export function registerLoginCommand(program: Command, ctx: CliContext): void {
  act(
    ctx,
    leaf(program, 'login', 'sign in to a running server as an admin service client and save it as a profile')
      .option('--server <url>', "the server's URL (its ISSUER, or an address that reaches it)")
      .option('--client-id <id>', 'the admin service client')
      .option('--client-secret-stdin', 'read the client secret from standard input (default: TTI_CLIENT_SECRET, else a prompt)')
      .option('--save-as <name>', 'profile name to save', 'default'),
    async ({ opts }) => {
      const env = ctx.env ?? {};
      const g = {
        server: (opts.server as string | undefined) ?? ctx.globals?.server,
        clientId: (opts.clientId as string | undefined) ?? ctx.globals?.clientId,
      };
      if (!g.server || !g.clientId) throw usageError('login needs --server <url> and --client-id <id>');
      const clientSecret = opts.clientSecretStdin
        ? (await ctx.io.readStdin()).replace(/\r?\n$/, '')
        : (env.TTI_CLIENT_SECRET ??
          (await ctx.io.promptHidden('Client secret: ').catch(() => {
            throw usageError('no terminal to ask for the client secret: set TTI_CLIENT_SECRET or pipe it with --client-secret-stdin');
          })));
      if (!clientSecret) throw usageError('no client secret given (TTI_CLIENT_SECRET, --client-secret-stdin or the prompt)');
      const server = serverUrl(g.server);
      const remote = createRemote({ server, clientId: g.clientId, clientSecret });
      // One admin call proves the credentials and the admin scope before anything is saved.
      const { tenants } = await remote.call<{ tenants: unknown[] }>('GET', '/admin/tenants');
      const { issuer } = await remote.discovery();
      const path = profilesPath(env);
      const name = opts.saveAs as string;
      await saveProfile(path, name, { server, clientId: g.clientId, clientSecret });
      const data = { profile: name, server, issuer, clientId: g.clientId, tenantsVisible: tenants.length, file: path };
      return {
        data,
        text: `${keyValues([
          ['Profile', name],
          ['Server', server],
          ['Issuer', issuer],
          ['Client', g.clientId],
          ['Saved in', path],
        ])}\nUse it with: tti-bridge --profile ${name} <command>`,
      };
    },
    { connect: false },
  );
}
