// The zero-config service as main.ts assembles it, in-process on random ports: the real
// app (test IdP helper), the AWS sandbox with the demo fixture, the demo seed, and the
// demo ISV app mounted in front of the provider.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Middleware } from 'koa';
import { startDemo, type Demo } from '../../src/demo/start.js';
import { createDemoRouter } from '../../src/demo/app.js';
import type { AwsCredentials } from '../../src/broker/ports.js';
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
  let credentials: AwsCredentials | undefined;
  const idp = await startTestIdp({
    ...opts,
    env: { DATA_DIR: dataDir, SANDBOX_PORT: '0', ...opts.env },
    appDeps: { aws: { baseCredentials: async () => credentials ?? Promise.reject(new Error('sandbox not started')), maxAttempts: 1 } },
  });
  let demo: Demo;
  try {
    demo = await startDemo(idp.app, idp.config);
  } catch (err) {
    await idp.stop();
    throw err;
  }
  credentials = demo.credentials;
  idp.app.mount(createDemoRouter({ app: idp.app, config: idp.config, clients: demo.clients, sandbox: demo.sandbox, idcTenant: demo.idcTenant }).routes() as Middleware);
  return {
    idp, demo, issuer: idp.issuer,
    async stop() {
      await idp.stop();
      await demo.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
