// The `sts:identity_context` assertion: opaque to callers, sealed by this sandbox, carrying the
// Identity Center user and an expiry. Real ones are STS-encrypted blobs beginning `AQoJ`.
import type { Sealer } from './sealer.js';
import type { IdentityContext } from './model.js';

export const IDENTITY_CENTER_PROVIDER_ARN = 'arn:aws:iam::aws:contextProvider/IdentityCenter';
const PURPOSE = 'identity-context';
const PREFIX = 'AQoJ';

export const sealIdentityContext = (sealer: Sealer, context: IdentityContext): string => sealer.seal(PURPOSE, context, PREFIX);

export const openIdentityContext = (sealer: Sealer, assertion: string): IdentityContext | undefined => sealer.open<IdentityContext>(PURPOSE, assertion, PREFIX);
