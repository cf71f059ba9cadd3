// Process entry: read the environment once, resolve the database and secrets, build the
// app, listen, and shut down gracefully on SIGINT/SIGTERM (in-flight requests finish).
import { createServer } from 'node:http';
import { loadConfig, ConfigError } from './config/load.js';
import { createLogger } from './shared/logger.js';
import { prepareRuntime } from './runtime.js';
import { createDb } from './db/client.js';
import { createApp } from './app.js';
import { sweepExpired } from './idp/adapter.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.LOG_LEVEL);
  const runtime = await prepareRuntime(config, log);
  const db = createDb(runtime.config.DATABASE_URL);
  const app = await createApp({ config: runtime.config, db, logger: log });
  const server = createServer(app.app.callback());
  await new Promise<void>((ok) => server.listen(config.PORT, config.HOST, ok));
  const sweep = setInterval(() => sweepExpired(db, Date.now()).catch((err) => log.error({ err }, 'sweep failed')), 3600_000);
  sweep.unref();
  log.info({ issuer: config.ISSUER, discovery: `${config.ISSUER}/.well-known/openid-configuration`, port: config.PORT }, 'tti-bridge listening');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    clearInterval(sweep);
    server.close();
    server.closeIdleConnections();
    await new Promise((ok) => server.once('close', ok));
    await app.close();
    await db.$disconnect();
    await runtime.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`tti-bridge failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
