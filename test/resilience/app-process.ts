// The real server process (src/main.ts), as an operator runs it, for tests that signal it
// or start several at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface AppProcess {
  url: string;
  proc: ChildProcess;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
  output: () => string;
  kill(signal?: NodeJS.Signals): void;
}

export const freePort = () =>
  new Promise<number>((ok, fail) => {
    const srv = createServer()
      .once('error', fail)
      .listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => ok(port));
      });
  });

export async function spawnApp(env: Record<string, string>): Promise<AppProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      ISSUER: url,
      SANDBOX: 'false',
      SECRET_KEY: 'resilience-test-secret-key-0123456789abcdef',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => {
    out += d;
  });
  proc.stderr!.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | string>((ok) => proc.once('exit', (code, signal) => ok(code ?? signal ?? 'unknown')));
  return {
    url,
    proc,
    exited,
    output: () => out,
    kill: (signal = 'SIGTERM') => {
      proc.kill(signal);
    },
  };
}

/** Waits until /readyz answers 200 (bounded); fails with the process output otherwise. */
export async function waitReady(app: AppProcess, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let exited = false;
  void app.exited.then(() => {
    exited = true;
  });
  while (Date.now() < until && !exited) {
    const ok = await fetch(`${app.url}/readyz`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the app at ${app.url} did not become ready:\n${app.output().slice(-2000)}`);
}
