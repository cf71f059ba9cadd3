// Everything a sandbox operation may use, built once per sandbox by startSandbox (no module state).
import type { World } from './state/world.js';
import type { SessionStore } from './state/sessions.js';
import type { Sealer } from './state/sealer.js';
import type { Recorder } from './calls.js';
import type { Verified } from './sigv4/verify.js';
import type { SandboxRequest } from './http/request.js';
import type { IssuerKeys } from './oidc/issuer-keys.js';
import type { JtiCache } from './oidc/jti-cache.js';
import type { Throttles } from './qbusiness/throttle.js';
import type { AuthCodes } from './oidc/auth-codes.js';

export interface SandboxContext {
  world: World;
  sessions: SessionStore;
  sealer: Sealer;
  now: () => number;
  verify: (req: SandboxRequest, service: string) => Verified;
  recorder: Recorder;
  issuerKeys: IssuerKeys;
  jtis: JtiCache;
  throttles: Throttles;
  /** Codes issued by the authorize endpoint (authorization-code data accessors). */
  authCodes: AuthCodes;
  /** HS256 key for the Identity Center idToken (ISVs decode it without verifying). */
  idTokenKey: Uint8Array;
}
