// The Identity Center idToken returned by CreateTokenWithIAM, with the claim set of real ones
// (AWS Security blog, "trusted token issuers"): `auth_time` is an ISO string, `act.sub` names
// the trusted token issuer, `sts:identity_context` carries the assertion for AssumeRole.
import { SignJWT } from 'jose';
import { randomBytes } from 'node:crypto';
import type { DataAccessor, IdcInstance, IdcUser } from '../state/model.js';
import { isoSeconds } from '../util.js';

export interface IdTokenInput {
  instance: IdcInstance;
  da: DataAccessor;
  user: IdcUser;
  identityContext: string;
  authTimeSeconds: number;
  nowSeconds: number;
  lifetimeSeconds: number;
}

export function mintIdToken(key: Uint8Array, i: IdTokenInput): Promise<string> {
  // Real `aud` values are base64url(16 random bytes + region name).
  const aud = Buffer.concat([randomBytes(16), Buffer.from(i.instance.region)]).toString('base64url');
  return new SignJWT({
    'aws:identity_store_id': i.instance.identityStoreId,
    'aws:instance_account': i.instance.accountId,
    'sts:identity_context': i.identityContext,
    'aws:identity_store_arn': `arn:aws:identitystore::${i.instance.accountId}:identitystore/${i.instance.identityStoreId}`,
    'aws:instance_arn': i.instance.instanceArn,
    'aws:credential_id': randomBytes(12).toString('base64url'),
    // Only a jwt-bearer exchange has an actor: the trusted token issuer that vouched for the user.
    ...(i.da.trustedTokenIssuerArn ? { act: { sub: i.da.trustedTokenIssuerArn } } : {}),
    'aws:application_arn': i.da.idcApplicationArn,
    auth_time: isoSeconds(i.authTimeSeconds * 1000),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(i.user.id)
    .setIssuer(`https://identitycenter.amazonaws.com/${i.instance.instanceId}`)
    .setAudience(aud)
    .setIssuedAt(i.nowSeconds)
    .setExpirationTime(i.nowSeconds + i.lifetimeSeconds)
    .sign(key);
}
