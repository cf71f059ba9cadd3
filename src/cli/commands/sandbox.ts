// tti-bridge sandbox: runs the local AWS (STS, SSO-OIDC, Q Business, SSO Admin) on its own,
// e.g. next to a tti-bridge started with SANDBOX=false, or for another ISV backend to try.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliExit } from '../action.js';
import { runSandbox } from '../../sandbox/index.js';
import { DEMO_DATA_ACCESSOR_CLIENT_ID } from '../../demo/seed.js';

export function registerSandboxCommand(program: Command, ctx: CliContext): void {
  program
    .command('sandbox')
    .description('run the local AWS sandbox until Ctrl-C (no AWS account needed)')
    .option('--port <port>', 'port to listen on', '4566')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--fixture <file>', 'fixture file (YAML or JSON); default: the demo fixture')
    .option('--issuer <url>', 'issuer URL the trusted token issuer trusts (our ISSUER)', 'http://localhost:3000')
    .option('--data-accessor-client-id <id>', 'audience Identity Center expects in ID tokens', DEMO_DATA_ACCESSOR_CLIENT_ID)
    .action(async (opts: { port: string; host: string; fixture?: string; issuer: string; dataAccessorClientId: string }) => {
      if (ctx.nodeEnv === 'production') {
        // The sandbox accepts fixture credentials and mints Identity Center answers: never in a deployment.
        ctx.io.stderr('error: the AWS sandbox is for development and tests; it does not run with NODE_ENV=production\n');
        throw new CliExit(1);
      }
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        ctx.io.stderr(`error: --port must be a number from 0 to 65535, got '${opts.port}'\n`);
        throw new CliExit(1);
      }
      const sandbox = await runSandbox({
        port,
        host: opts.host,
        fixturePath: opts.fixture,
        vars: { ISSUER: opts.issuer.replace(/\/+$/, ''), DATA_ACCESSOR_CLIENT_ID: opts.dataAccessorClientId },
        out: (line) => ctx.io.stdout(`${line}\n`),
      });
      ctx.io.stdout('Press Ctrl-C to stop.\n');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await sandbox.close();
    });
}
