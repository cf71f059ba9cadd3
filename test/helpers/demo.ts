// The zero-config service as main.ts assembles it, in-process on random ports: the real
// app (test IdP helper) and the sandbox plug-in main.ts loads (src/demo/plugin.ts: the AWS
// sandbox with the demo fixture, the demo seed, and the demo ISV app mounted in front of
// the provider).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Demo } from '../../src/demo/start.js';
import { sandboxPlugin, type StartedDemo } from '../../src/demo/plugin.js';
import { startTestIdp, type TestIdp, type TestIdpOptions } from './idp.js';

export interface DemoService {
  idp: TestIdp;
  demo: Demo;
  issuer: string;
  stop(): Promise<void>;
}

export async function startDemoService(opts: Pick<TestIdpOptions, 'logs' | 'env'> = {}): Promise<DemoService> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ttib-demo-'));
  // As in main.ts: the broker's base credentials are the fixture's ISV principal, known
  // only once the sandbox has started.
  let started: StartedDemo | undefined;
  const idp = await startTestIdp({
    ...opts,
    env: { DATA_DIR: dataDir, SANDBOX_PORT: '0', ...opts.env },
    appDeps: { aws: { baseCredentials: async () => started?.baseCredentials ?? Promise.reject(new Error('sandbox not started')), maxAttempts: 1 } },
  });
  try {
    started = await sandboxPlugin.start({ services: idp.services, config: idp.services.config });
  } catch (err) {
    await idp.stop();
    throw err;
  }
  idp.http.mount(started.routes);
  const plugin = started;
  return {
    idp,
    demo: plugin.demo,
    issuer: idp.issuer,
    async stop() {
      await idp.stop();
      await plugin.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
