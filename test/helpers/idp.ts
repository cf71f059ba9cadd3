// Starts the real service (createApp) on a random loopback port with its own database,
// plus a tiny cookie-keeping "browser" that follows redirects and posts real forms.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig, type Config } from '../../src/config/load.js';
import { createApp, type AppDeps, type HttpApp } from '../../src/app.js';
import type { AppServices } from '../../src/services.js';
import type { Database } from '../../src/db/database.js';
import { createLogger } from '../../src/shared/logger.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { FAST_ARGON2 } from './accounts.js';

// Benchmarks start the app with the same cheap argon2 parameters.
export { FAST_ARGON2 };

export interface TestIdp {
  issuer: string;
  /** The app's services (src/services.ts openServices). */
  services: AppServices;
  /** Its HTTP app (src/app.ts createHttpApp): mount() adds routes in front of the provider. */
  http: HttpApp;
  /** The app's own data layer (Kysely over its pg pool). */
  database: Database;
  config: Config;
  server: Server;
  stop(): Promise<void>;
  stopApp(): Promise<void>;
}

export interface TestIdpOptions {
  env?: Record<string, string>;
  database?: TestDatabase;
  now?: () => number;
  logs?: string[];
  port?: number;
  /** Extra createApp dependencies (e.g. the broker's aws, wrapMinter, directoryCacheMs), spread last. */
  appDeps?: Partial<Omit<AppDeps, 'config' | 'logger'>>;
  /** Serve on this already-listening server (a "restart" that keeps the port). */
  server?: Server;
}

export async function startTestIdp(opts: TestIdpOptions = {}): Promise<TestIdp> {
  const database = opts.database ?? (await createTestDatabase());
  const server = opts.server ?? createServer();
  if (!opts.server) await new Promise<void>((ok) => server.listen(opts.port ?? 0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  const config = loadConfig({
    NODE_ENV: 'test',
    ISSUER: `http://127.0.0.1:${port}`,
    DATABASE_URL: database.url,
    SECRET_KEY: 'test-secret-key-0123456789abcdef0123456789',
    KEY_ACTIVATION_DELAY: '0',
    ...opts.env,
  });
  const sink = {
    write: (line: string) => {
      opts.logs?.push(line);
    },
  };
  const logger = createLogger(opts.logs ? 'debug' : 'silent', sink);
  const app = await createApp({ config, logger, now: opts.now, hasherOptions: FAST_ARGON2, sleep: async () => {}, ...opts.appDeps });
  server.on('request', app.http.app.callback());
  return {
    issuer: config.ISSUER,
    services: app.services,
    http: app.http,
    database: app.services.database,
    config,
    server,
    /** Stops the app but leaves the HTTP server listening, with no request handler. */
    async stopApp() {
      server.removeAllListeners('request');
      server.closeAllConnections();
      await app.close();
    },
    async stop() {
      await app.close();
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
      if (!opts.database) await database.drop();
    },
  };
}

/** A minimal browser: a cookie jar and manual redirects. */
export class Browser {
  jar = new Map<string, string>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.jar.size) headers.set('cookie', [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const [name, value] = [pair!.slice(0, i), pair!.slice(i + 1)];
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  /** Follows redirects until a page (non-redirect) or a URL starting with `stopAt`. */
  async follow(url: string, stopAt: string, init?: RequestInit): Promise<{ url: string; res?: Response }> {
    let current = url;
    let res = await this.fetch(current, init);
    for (let i = 0; i < 10 && res.status >= 300 && res.status < 400; i++) {
      current = new URL(res.headers.get('location')!, current).toString();
      if (current.startsWith(stopAt)) return { url: current };
      res = await this.fetch(current);
    }
    return { url: current, res };
  }

  async postForm(url: string, form: Record<string, string>, stopAt: string) {
    return this.follow(url, stopAt, {
      method: 'POST',
      body: new URLSearchParams(form).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }
}

export const formAction = (html: string, suffix: string) => {
  const m = html.match(new RegExp(`action="([^"]*${suffix})"`));
  if (!m) throw new Error(`no form ending in ${suffix} on page:\n${html.slice(0, 500)}`);
  return m[1]!;
};

/** The hidden inputs (the CSRF token) of the form whose action ends in `suffix`; post them with the form. */
export const hiddenFields = (html: string, suffix: string): Record<string, string> => {
  const form = html.match(new RegExp(`<form[^>]*action="[^"]*${suffix}"[^>]*>([\\s\\S]*?)</form>`));
  if (!form) throw new Error(`no form ending in ${suffix} on page:\n${html.slice(0, 500)}`);
  return Object.fromEntries([...form[1]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
};
