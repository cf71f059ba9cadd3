// What main.ts can start next to the server without it being part of the production module
// graph: a plug-in is loaded with import() only when wanted (the AWS sandbox and the demo,
// src/demo/plugin.ts; test/deploy/production-graph.test.ts checks that nothing else reaches it).
import type { Middleware } from 'koa';
import type { AwsCredentials } from './broker/ports.js';
import type { AppServices } from './services.js';

export interface PluginContext {
  /** Every service of the running server (the HTTP app already listens). */
  services: AppServices;
  config: AppServices['config'];
}

export interface StartedPlugin {
  /** Routes mounted in front of the OIDC provider. */
  routes?: Middleware;
  /** The broker's AWS base credentials while the plug-in runs (otherwise the SDK's chain). */
  baseCredentials?: AwsCredentials;
  /** Extra fields of the "tti-bridge listening" log line. */
  logFields?: Record<string, unknown>;
  /** Printed on stdout once the server listens. */
  banner?(): Promise<string>;
  /** Called on shutdown, once the HTTP server and the services are closed. */
  stop(): Promise<void>;
}

export interface Plugin {
  start(context: PluginContext): Promise<StartedPlugin>;
}
