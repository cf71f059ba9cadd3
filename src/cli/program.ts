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
import { registerUpstreamCommands } from './commands/upstreams.js';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('tti-bridge')
    .description('Administer tti-bridge: tenants, users, OAuth clients, upstream identity providers, signing keys, data-accessor registration')
    .showHelpAfterError('(add --help for usage)');
  registerTenantCommands(program, ctx);
  registerUserCommands(program, ctx);
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
