// The zero-config demo as a plug-in (src/plugin.ts): the AWS sandbox in-process with the demo
// fixture, the demo seed, and the demo ISV app under /demo. main.ts loads this module with
// import() only when the sandbox is wanted.
import type { Middleware } from 'koa';
import type { Plugin, PluginContext, StartedPlugin } from '../plugin.js';
import { createDemoRouter } from './app.js';
import { startDemo, type Demo } from './start.js';

export interface StartedDemo extends StartedPlugin {
  demo: Demo;
  routes: Middleware;
  baseCredentials: Demo['credentials'];
}

export const sandboxPlugin = {
  async start({ services, config }: PluginContext): Promise<StartedDemo> {
    const demo = await startDemo(services, config);
    const router = createDemoRouter({ views: services.views, config, clients: demo.clients, sandbox: demo.sandbox, idcTenant: demo.idcTenant });
    return {
      demo,
      routes: router.routes() as Middleware,
      baseCredentials: demo.credentials,
      logFields: { sandbox: demo.sandbox.url },
      banner: demo.banner,
      stop: demo.stop,
    };
  },
} satisfies Plugin;
