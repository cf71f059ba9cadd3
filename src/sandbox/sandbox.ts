// Composition root of the sandbox: builds the state and services from a fixture and serves
// them on one port (HTTP/1.1 and h2c).
import { randomBytes } from 'node:crypto';
import type { SandboxFixture } from './fixture/types.js';
import type { SandboxContext } from './context.js';
import { buildWorld, type World } from './state/world.js';
import { createSealer } from './state/sealer.js';
import { createSessionStore } from './state/sessions.js';
import { createVerifier } from './sigv4/verify.js';
import { createRecorder, type CapturedResponse, type RecordedCall } from './calls.js';
import { createIssuerKeys } from './oidc/issuer-keys.js';
import { createJtiCache } from './oidc/jti-cache.js';
import { createAuthCodes } from './oidc/auth-codes.js';
import { createThrottles } from './qbusiness/throttle.js';
import { listenDual, type RequestListener } from './http/server.js';
import { readRequest } from './http/request.js';
import { route } from './http/router.js';

export interface StartSandboxOptions {
  fixture: SandboxFixture;
  /** 0 or absent = any free port. */
  port?: number;
  host?: string;
  now?: () => number;
  /** Used to fetch trusted token issuers' discovery documents and JWKS. */
  fetch?: typeof fetch;
  /** Keep every response's output members in `responses` (for model-fidelity tests). */
  captureResponses?: boolean;
}

export interface Sandbox {
  url: string;
  port: number;
  calls: RecordedCall[];
  /** Every captured response (with `captureResponses`); clearCalls() leaves them. */
  responses: CapturedResponse[];
  /** Forgets the recorded calls; the captured responses stay for the model-fidelity checks. */
  clearCalls(): void;
  close(): Promise<void>;
  fixture: SandboxFixture;
  /** Live state: roles, Identity Center instances, applications and their data accessors. */
  world: World;
  /** Limits SearchRelevantContent for one data accessor; undefined removes the limit. */
  setThrottle(dataAccessorId: string, ratePerSecond: number | undefined): void;
}

export async function startSandbox(opts: StartSandboxOptions): Promise<Sandbox> {
  const now = opts.now ?? Date.now;
  const world = buildWorld(opts.fixture, now);
  const sealer = createSealer();
  const sessions = createSessionStore(world.principals, sealer, now);
  const recorder = createRecorder(opts.captureResponses ?? false);
  const ctx: SandboxContext = {
    world,
    sessions,
    sealer,
    now,
    recorder,
    verify: createVerifier(sessions.resolver, now),
    issuerKeys: createIssuerKeys(opts.fetch ?? globalThis.fetch, now),
    jtis: createJtiCache(now),
    throttles: createThrottles(now),
    authCodes: createAuthCodes(now),
    idTokenKey: randomBytes(32),
  };
  for (const app of opts.fixture.applications) {
    for (const da of app.dataAccessors ?? []) ctx.throttles.set(da.dataAccessorId, da.ratePerSecond);
  }

  const listener: RequestListener = (req, res) => {
    readRequest(req)
      .then((r) => route(ctx, r))
      .then((out) => {
        // Date comes from the sandbox clock, so the SDK's clock-skew correction follows it.
        res.writeHead(out.status, { ...out.headers, date: new Date(now()).toUTCString() });
        res.end(out.body);
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"message":"Internal server error"}');
      });
  };
  const host = opts.host ?? '127.0.0.1';
  const server = await listenDual(listener, opts.port ?? 0, host);
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${urlHost}:${server.port}`,
    port: server.port,
    calls: recorder.calls,
    responses: recorder.responses,
    clearCalls: () => recorder.clearCalls(),
    close: () => server.close(),
    fixture: opts.fixture,
    world,
    setThrottle: (id, rate) => ctx.throttles.set(id, rate),
  };
}
