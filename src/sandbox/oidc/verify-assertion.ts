// Validates the JWT-bearer assertion exactly as Identity Center validates a trusted token
// issuer's token: RS256 only, key by `kid` from the issuer's JWKS, `iss` byte-equal to the
// IssuerUrl, `aud` among the grant's authorized audiences, `exp` required and in the future,
// `jti` required and single-use. Every refusal says which check failed.
import { compactVerify, decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import type { SandboxContext } from '../context.js';
import type { TrustedTokenIssuer } from '../state/model.js';
import { ServiceError } from '../errors.js';
import { IssuerKeyError } from './issuer-keys.js';

const grant = (description: string) => new ServiceError('InvalidGrantException', 400, description);

export async function verifyAssertion(ctx: SandboxContext, tti: TrustedTokenIssuer, audiences: string[], assertion: string): Promise<JWTPayload> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  let claims: JWTPayload;
  try {
    header = decodeProtectedHeader(assertion);
    claims = decodeJwt(assertion);
  } catch {
    throw grant('Invalid grant provided: the assertion is not a signed JWT (compact JWS with a JSON payload).');
  }
  if (header.alg !== 'RS256') {
    throw grant(`Invalid grant provided: the assertion is signed with alg '${String(header.alg)}'; the trusted token issuer accepts RS256 only.`);
  }
  if (typeof header.kid !== 'string' || header.kid === '') {
    throw grant("Invalid grant provided: the assertion's JWT header has no 'kid'; Identity Center picks the issuer key by kid.");
  }
  if (claims.iss !== tti.issuerUrl) {
    throw grant(
      `Invalid grant provided: claim 'iss' ('${String(claims.iss)}') does not exactly match the trusted token issuer's IssuerUrl ('${tti.issuerUrl}').`,
    );
  }
  let key: Awaited<ReturnType<SandboxContext['issuerKeys']['getKey']>>;
  try {
    key = await ctx.issuerKeys.getKey(tti.issuerUrl, header.kid);
  } catch (e) {
    if (e instanceof IssuerKeyError) throw grant(`Invalid grant provided: ${e.message}.`);
    throw e;
  }
  try {
    await compactVerify(assertion, key, { algorithms: ['RS256'] });
  } catch {
    throw grant(`Invalid grant provided: the assertion's signature does not verify with the issuer key '${header.kid}'.`);
  }
  checkClaims(ctx, claims, audiences);
  if (!ctx.jtis.consume(tti.issuerUrl, claims.jti as string, claims.exp as number)) {
    throw grant(`Invalid grant provided: claim 'jti' ('${String(claims.jti)}') was already used; each token can be exchanged only once.`);
  }
  return claims;
}

function checkClaims(ctx: SandboxContext, claims: JWTPayload, audiences: string[]): void {
  const nowSeconds = ctx.now() / 1000;
  const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  if (aud.length === 0) throw grant("Invalid grant provided: the assertion has no 'aud' claim.");
  if (!aud.some((a) => audiences.includes(a))) {
    throw grant(
      `Invalid grant provided: claim 'aud' (${aud.map((a) => `'${a}'`).join(', ')}) is not an authorized audience of this application's jwt-bearer grant (${audiences.map((a) => `'${a}'`).join(', ') || 'none configured'}).`,
    );
  }
  if (typeof claims.exp !== 'number') throw grant("Invalid grant provided: the assertion has no numeric 'exp' claim; it is required.");
  if (claims.exp <= nowSeconds) {
    throw grant(`Invalid grant provided: the assertion expired at ${new Date(claims.exp * 1000).toISOString()} (claim 'exp').`);
  }
  if (typeof claims.nbf === 'number' && claims.nbf > nowSeconds) {
    throw grant(`Invalid grant provided: the assertion is not valid before ${new Date(claims.nbf * 1000).toISOString()} (claim 'nbf').`);
  }
  if (typeof claims.jti !== 'string' || claims.jti === '') {
    throw grant("Invalid grant provided: the assertion has no 'jti' claim; Identity Center requires a unique jti per token.");
  }
}
