// The tti-bridge half of bench/broker.bench.ts, in its own process as deployed: the real
// createApp (provider, broker, HTTP middleware) on its own database, its AWS calls going
// to the sandbox process with the base keys from the environment. Logs at LOG_LEVEL
// (default info, as deployed) to stdout, which the parent points at /dev/null.
// IPC: { type: 'mint' } → an assertion from the app's own minter (the direct baseline's
// exchange); { type: 'memory' } → audit flushed, GC run, then heap/RSS and cached sessions;
// { type: 'cpu' } → the process's CPU time so far (user + system, µs), main-thread busy time
// (event-loop utilisation, µs) and garbage-collection pauses so far (count, µs);
// { type: 'profile', start, file? } starts / stops (and writes to file) a CPU profile of one phase of the run;
// { type: 'inProcess', caller, req, rounds } → median of broker.search() called back to back
// inside this process (no HTTP), for scale.
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config/load.js';
import { createApp } from '../src/app.js';
import { createLogger, stdoutDestination } from '../src/shared/logger.js';
import { FAST_ARGON2 } from '../test/helpers/idp.js';
import { median } from './lib.js';

const env = process.env;
const config = loadConfig({ ...env, NODE_ENV: 'test' });
const app = await createApp({
  config,
  logger: createLogger(config.LOG_LEVEL, stdoutDestination()),
  // Only the benchmark's setup signs users in; the password cost is not what is measured.
  hasherOptions: FAST_ARGON2,
  aws: { baseCredentials: { accessKeyId: env.BENCH_AWS_KEY_ID!, secretAccessKey: env.BENCH_AWS_SECRET! } },
});
const server = createServer({ keepAliveTimeout: 60_000 }, app.http.app.callback());
server.listen(Number(config.PORT), '127.0.0.1', () => process.send?.({ type: 'ready' }));

const gcPauses = { count: 0, micros: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcPauses.count += 1;
    gcPauses.micros += e.duration * 1000;
  }
}).observe({ entryTypes: ['gc'] });

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
type Msg =
  | { type: 'mint'; id: number; claims: Parameters<typeof app.services.minter.mint>[0]; audience: string; ttl: number }
  | {
      type: 'inProcess';
      id: number;
      caller: Parameters<typeof app.services.broker.search>[0];
      req: Parameters<typeof app.services.broker.search>[1];
      rounds: number;
    }
  | { type: 'memory'; id: number }
  | { type: 'cpu'; id: number }
  | { type: 'profile'; id: number; start: boolean; file?: string };
let inspector: Session | undefined;
process.on('message', (m: Msg) => {
  void (async () => {
    if (m.type === 'mint') {
      process.send?.({ id: m.id, token: await app.services.minter.mint(m.claims, m.audience, m.ttl) });
    } else if (m.type === 'inProcess') {
      const times: number[] = [];
      for (let i = 0; i < m.rounds; i++) {
        const started = performance.now();
        await app.services.broker.search(m.caller, m.req);
        times.push(performance.now() - started);
      }
      process.send?.({ id: m.id, median: median(times) });
    } else if (m.type === 'memory') {
      await app.services.broker.audit.flush();
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((ok) => setImmediate(ok));
      }
      const mu = process.memoryUsage();
      process.send?.({ id: m.id, rss: mu.rss, heapUsed: mu.heapUsed, sessions: app.services.broker.cache.size });
    } else if (m.type === 'cpu') {
      const cpu = process.cpuUsage();
      const busyMicros = performance.eventLoopUtilization().active * 1000;
      process.send?.({ id: m.id, cpuMicros: cpu.user + cpu.system, busyMicros, gcCount: gcPauses.count, gcMicros: gcPauses.micros });
    } else if (m.type === 'profile') {
      if (m.start) {
        inspector = new Session();
        inspector.connect();
        await inspector.post('Profiler.enable');
        await inspector.post('Profiler.setSamplingInterval', { interval: 100 });
        await inspector.post('Profiler.start');
      } else if (inspector) {
        const { profile } = await inspector.post('Profiler.stop');
        writeFileSync(m.file!, JSON.stringify(profile));
        inspector.disconnect();
        inspector = undefined;
      }
      process.send?.({ id: m.id });
    }
  })();
});

// SIGINT lets --cpu-prof write its profile before exiting.
process.on('SIGINT', () => process.exit(0));
