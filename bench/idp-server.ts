// The server half of bench/idp.bench.ts, in its own process so the load generator does
// not share its event loop. Argon2 parameters come from the environment.
import { createServer } from 'node:http';
import { loadConfig } from '../src/config/load.js';
import { createApp } from '../src/app.js';
import { createLogger } from '../src/shared/logger.js';

const env = process.env;
const config = loadConfig({ ...env, NODE_ENV: 'test', LOG_LEVEL: 'silent', LOGIN_MAX_FAILURES_IP: '100000' });
const app = await createApp({
  config,
  logger: createLogger('silent'),
  hasherOptions: { memoryKib: Number(env.BENCH_ARGON2_MEMORY_KIB), timeCost: Number(env.BENCH_ARGON2_TIME_COST), parallelism: 1, maxConcurrency: 2 },
});
const server = createServer(app.http.app.callback());
server.listen(Number(config.PORT), '127.0.0.1', () => process.send?.({ ready: true }));
process.on('message', (m: { rss?: boolean }) => {
  if (m.rss) process.send?.({ rss: process.memoryUsage().rss });
});

// SIGINT lets --cpu-prof write its profile before exiting.
process.on('SIGINT', () => process.exit(0));
