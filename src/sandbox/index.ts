// Public API of the local AWS sandbox (STS, SSO-OIDC, Q Business, SSO Admin).
export { startSandbox } from './sandbox.js';
export type { Sandbox, StartSandboxOptions } from './sandbox.js';
export type { RecordedCall, CapturedResponse, SandboxService } from './calls.js';
export { loadFixture, parseFixture } from './fixture/load.js';
export type { SandboxFixture } from './fixture/types.js';
export { DEMO_FIXTURE_PATH, DEMO_TENANT_ID, demoSetup } from './demo.js';
export type { TenantSetup } from './demo.js';
export { IDENTITY_CENTER_PROVIDER_ARN } from './state/identity-context.js';
export { runSandbox } from './cli.js';
export type { RunSandboxOptions } from './cli.js';
