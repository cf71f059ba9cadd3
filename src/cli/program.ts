// Assembles the `tti-bridge` command tree and runs it, returning the exit code instead
// of exiting, so tests run commands in-process.
import { Command, CommanderError } from 'commander';
import type { CliContext } from './context.js';
import { CliExit } from './action.js';
import { registerTenantCommands } from './commands/tenants.js';
import { registerUserCommands } from './commands/users.js';
import { registerClientCommands } from './commands/clients.js';
import { registerKeyCommands } from './commands/keys.js';
import { registerRegistrationInfo } from './commands/registration.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerSandboxCommand } from './commands/sandbox.js';
import { registerAdminCommands } from './commands/admins.js';
import { registerLoginCommand } from './commands/login.js';
import { registerUpstreamCommands } from './commands/upstreams.js';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('tti-bridge')
    .description('Administer tti-bridge: tenants, users, OAuth clients, upstream identity providers, signing keys, data-accessor registration')
    .showHelpAfterError('(add --help for usage)')
    // Global options go before the command, so a command may have an option of the same name.
    .enablePositionalOptions()
    .option('--server <url>', "server mode: call this running tti-bridge's admin API (also TTI_SERVER)")
    .option('--client-id <id>', 'server mode: the admin service client (secret in TTI_CLIENT_SECRET)')
    .option('--profile <name>', 'server mode: a profile saved by `tti-bridge login` (also TTI_PROFILE)')
    .option('--init', 'local mode: create a new embedded database under DATA_DIR if there is none')
    .addHelpText(
      'after',
      '\nWithout --server or --profile the CLI runs in local mode: it opens the database itself\n(DATABASE_URL, or the embedded one under DATA_DIR) and says on stderr which one and which ISSUER.\nGlobal options go before the command: tti-bridge --profile default tenants list',
    );
  registerLoginCommand(program, ctx);
  registerTenantCommands(program, ctx);
  registerUserCommands(program, ctx);
  registerAdminCommands(program, ctx);
  registerClientCommands(program, ctx);
  registerUpstreamCommands(program, ctx);
  registerKeyCommands(program, ctx);
  registerRegistrationInfo(program, ctx);
  registerAuditCommands(program, ctx);
  registerMigrateCommand(program, ctx);
  registerSandboxCommand(program, ctx);
  // Commander's own messages (usage errors, help) go through the injected streams too.
  const route = (cmd: Command) => {
    cmd.exitOverride().configureOutput({ writeOut: ctx.io.stdout, writeErr: ctx.io.stderr });
    cmd.commands.forEach(route);
  };
  route(program);
  return program;
}

/** Runs one command line (without the `node script` prefix); resolves to the exit code. */
export async function runCli(args: string[], ctx: CliContext): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(args, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CliExit) return err.exitCode;
    if (err instanceof CommanderError) return err.exitCode;
    throw err;
  }
}
