// SSO-OIDC CreateTokenWithIAM for a data accessor's Identity Center application, acting like
// Identity Center with a trusted token issuer (jwt-bearer grant) or, for an authorization-code
// data accessor, the authorization_code and refresh_token grants.
import type { SandboxContext } from '../context.js';
import type { Caller, DataAccessor, IdcInstance, IdcUser } from '../state/model.js';
import { ServiceError } from '../errors.js';
import { findByIdcApplication } from '../state/world.js';
import { sealIdentityContext } from '../state/identity-context.js';
import { newUuid, epochSeconds } from '../util.js';
import { verifyAssertion } from './verify-assertion.js';
import { mintIdToken } from './id-token.js';
import { s256 } from './authorize.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const KNOWN_GRANTS = new Set(['authorization_code', 'refresh_token', JWT_BEARER, 'urn:ietf:params:oauth:grant-type:token-exchange']);
const SCOPES = ['sts:identity_context', 'openid', 'aws'];
const LIFETIME_SECONDS = 3600;
// The AWS sample's comments say 90 days (unconfirmed).
const REFRESH_LIFETIME_SECONDS = 90 * 86_400;
const AUTH_CODE_GRANTS = ['authorization_code', 'refresh_token'];

const err = (code: string, status: number, description: string) => new ServiceError(code, status, description);

export async function createTokenWithIam(ctx: SandboxContext, caller: Caller, region: string, input: Record<string, unknown>) {
  const { clientId, grantType, scope } = input;
  if (typeof clientId !== 'string' || typeof grantType !== 'string') {
    throw err('InvalidRequestException', 400, 'clientId and grantType are required.');
  }
  const found = findByIdcApplication(ctx.world, clientId);
  if (!found)
    throw err(
      'InvalidClientException',
      401,
      `clientId '${clientId}' is not the ARN of an IAM Identity Center application with OAuth grants (use the data accessor's idcApplicationArn).`,
    );
  const { app, da } = found;
  const instance = app.instance;
  if (instance.region !== region) {
    throw err(
      'InvalidClientException',
      401,
      `Application ${clientId} belongs to the IAM Identity Center instance in ${instance.region}; this request was sent to ${region}. Call SSO-OIDC in the instance's region.`,
    );
  }
  authorizeCaller(caller, da, clientId);
  if (!KNOWN_GRANTS.has(grantType)) throw err('UnsupportedGrantTypeException', 400, `grantType '${grantType}' is not supported.`);
  const allowed = da.authenticationType === 'AWS_IAM_IDC_AUTH_CODE' ? AUTH_CODE_GRANTS : [JWT_BEARER];
  if (!allowed.includes(grantType)) {
    throw err(
      'UnauthorizedClientException',
      400,
      `Application ${clientId} has no '${grantType}' grant; a data accessor with ${da.authenticationType} authentication allows ${allowed.join(', ')}.`,
    );
  }
  const scopes = checkScopes(scope);
  const grant =
    grantType === JWT_BEARER
      ? await jwtBearer(ctx, instance, da, input)
      : grantType === 'authorization_code'
        ? authorizationCode(ctx, instance, da, input)
        : refreshGrant(ctx, instance, da, input);
  if (da.assignmentRequired && !isAssigned(da, grant.user)) {
    throw err(
      'AccessDeniedException',
      400,
      `User '${grant.user.userName}' is not assigned to application ${clientId}, which requires assignment (assign the user or one of their groups).`,
    );
  }
  const { user } = grant;
  const nowSeconds = epochSeconds(ctx.now());
  const identityContext = sealIdentityContext(ctx.sealer, {
    userId: user.id,
    userName: user.userName,
    identityStoreId: instance.identityStoreId,
    instanceArn: instance.instanceArn,
    applicationArn: da.idcApplicationArn,
    ...(grant.ttiArn ? { trustedTokenIssuerArn: grant.ttiArn } : {}),
    exp: nowSeconds + LIFETIME_SECONDS,
  });
  const idToken = await mintIdToken(ctx.idTokenKey, {
    instance,
    da,
    user,
    identityContext,
    nowSeconds,
    lifetimeSeconds: LIFETIME_SECONDS,
    authTimeSeconds: grant.authTime,
  });
  // The authorization-code application also has the refresh_token grant: both of its grants
  // return a refresh token (rotated on each refresh), and then issuedTokenType says so.
  const refreshToken =
    grantType === JWT_BEARER
      ? undefined
      : ctx.sealer.seal(
          'refresh-token',
          { c: clientId, u: user.id, a: grant.authTime, e: nowSeconds + REFRESH_LIFETIME_SECONDS } satisfies RefreshClaims,
          'aorrt',
        );
  return {
    output: {
      accessToken: `aoa${newUuid().replace(/-/g, '')}:${ctx.sealer.seal('access-token', { u: user.id, e: nowSeconds + LIFETIME_SECONDS })}`,
      tokenType: 'Bearer',
      expiresIn: LIFETIME_SECONDS,
      ...(refreshToken ? { refreshToken } : {}),
      idToken,
      issuedTokenType: refreshToken ? 'urn:ietf:params:oauth:token-type:refresh_token' : 'urn:ietf:params:oauth:token-type:access_token',
      scope: scopes,
      awsAdditionalDetails: { identityContext },
    },
    detail: { clientId, dataAccessorId: da.id, grantType, user: user.userName, ...(grant.jti ? { jti: grant.jti } : {}) },
  };
}

interface Granted {
  user: IdcUser;
  authTime: number;
  ttiArn?: string;
  jti?: unknown;
}

interface RefreshClaims {
  /** clientId */ c: string;
  /** IDC user id */ u: string;
  /** auth_time */ a: number;
  /** expiry, epoch seconds */ e: number;
}

async function jwtBearer(ctx: SandboxContext, instance: IdcInstance, da: DataAccessor, input: Record<string, unknown>): Promise<Granted> {
  const { assertion } = input;
  if (typeof assertion !== 'string' || assertion === '') throw err('InvalidRequestException', 400, `assertion is required for grantType ${JWT_BEARER}.`);
  const tti = da.trustedTokenIssuerArn ? instance.trustedTokenIssuers.get(da.trustedTokenIssuerArn) : undefined;
  if (!tti) throw err('InvalidGrantException', 400, `Invalid grant provided: trusted token issuer ${String(da.trustedTokenIssuerArn)} no longer exists.`);
  const claims = await verifyAssertion(ctx, tti, da.audiences, assertion);
  const nowSeconds = epochSeconds(ctx.now());
  return {
    user: mapUser(instance, claims, tti.claimAttributePath, tti.identityStoreAttributePath),
    ttiArn: tti.arn,
    jti: claims.jti,
    authTime: typeof claims['auth_time'] === 'number' ? claims['auth_time'] : (claims.iat ?? nowSeconds),
  };
}

function authorizationCode(ctx: SandboxContext, instance: IdcInstance, da: DataAccessor, input: Record<string, unknown>): Granted {
  const { code, redirectUri, codeVerifier } = input;
  if (typeof code !== 'string' || code === '') throw err('InvalidRequestException', 400, 'code is required for grantType authorization_code.');
  if (typeof redirectUri !== 'string' || redirectUri === '')
    throw err('InvalidRequestException', 400, 'redirectUri is required for grantType authorization_code.');
  const consumed = ctx.authCodes.consume(code);
  if (!consumed.ok) {
    const why = { unknown: 'is not valid', used: 'was already used; each code can be exchanged only once', expired: 'has expired' }[consumed.reason];
    throw err('InvalidGrantException', 400, `Invalid grant provided: the authorization code ${why}.`);
  }
  const { grant } = consumed;
  if (grant.clientId !== da.idcApplicationArn)
    throw err('InvalidGrantException', 400, 'Invalid grant provided: the authorization code was issued to another application.');
  if (grant.redirectUri !== redirectUri)
    throw err('InvalidGrantException', 400, 'Invalid grant provided: redirectUri does not match the redirect_uri of the authorization request.');
  if (grant.codeChallenge !== undefined) {
    if (typeof codeVerifier !== 'string' || codeVerifier === '')
      throw err('InvalidGrantException', 400, 'Invalid grant provided: codeVerifier is required (the authorization request carried a PKCE code_challenge).');
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(codeVerifier) || s256(codeVerifier) !== grant.codeChallenge) {
      throw err('InvalidGrantException', 400, 'Invalid grant provided: codeVerifier does not match the code_challenge.');
    }
  } else if (codeVerifier !== undefined) {
    throw err('InvalidGrantException', 400, 'Invalid grant provided: codeVerifier was sent but the authorization request had no code_challenge.');
  }
  const user = instance.users.find((u) => u.id === grant.userId);
  if (!user) throw err('InvalidGrantException', 400, 'Invalid grant provided: the user no longer exists.');
  return { user, authTime: grant.authTime };
}

function refreshGrant(ctx: SandboxContext, instance: IdcInstance, da: DataAccessor, input: Record<string, unknown>): Granted {
  const { refreshToken } = input;
  if (typeof refreshToken !== 'string' || refreshToken === '')
    throw err('InvalidRequestException', 400, 'refreshToken is required for grantType refresh_token.');
  const claims = ctx.sealer.open<RefreshClaims>('refresh-token', refreshToken, 'aorrt');
  if (!claims || claims.c !== da.idcApplicationArn)
    throw err('InvalidGrantException', 400, 'Invalid grant provided: the refresh token is not valid for this application.');
  if (claims.e <= epochSeconds(ctx.now())) throw err('ExpiredTokenException', 400, 'The refresh token has expired; sign in again.');
  const user = instance.users.find((u) => u.id === claims.u);
  if (!user) throw err('InvalidGrantException', 400, 'Invalid grant provided: the user no longer exists.');
  return { user, authTime: claims.a };
}

/** The application's actor policy admits only sessions of the data accessor's principal role. */
function authorizeCaller(caller: Caller, da: DataAccessor, clientId: string): void {
  if (caller.kind !== 'session' || caller.session.role.arn !== da.principal || caller.session.identity) {
    throw err(
      'AccessDeniedException',
      400,
      `${caller.arn} may not call CreateTokenWithIAM for ${clientId}: only sessions of the data accessor principal ${da.principal} (without an identity context) may.`,
    );
  }
  if (!caller.session.role.permissions.has('sso-oauth:CreateTokenWithIAM')) {
    throw err('AccessDeniedException', 400, `${caller.arn} is not authorized to perform sso-oauth:CreateTokenWithIAM (role permission policy).`);
  }
}

function checkScopes(scope: unknown): string[] {
  if (scope === undefined || scope === null) return SCOPES;
  if (!Array.isArray(scope)) throw err('InvalidRequestException', 400, 'scope must be a list of strings.');
  const unknown = scope.filter((s) => !SCOPES.includes(s as string));
  if (unknown.length > 0)
    throw err('InvalidScopeException', 400, `scope(s) ${unknown.join(', ')} are not configured for this application (allowed: ${SCOPES.join(', ')}).`);
  return scope as string[];
}

function mapUser(instance: IdcInstance, claims: Record<string, unknown>, claimPath: string, storePath: string): IdcUser {
  const value = claimAt(claims, claimPath);
  if (typeof value !== 'string' || value === '') {
    throw err(
      'InvalidGrantException',
      400,
      `Invalid grant provided: the assertion has no string claim '${claimPath}' to map to the identity store attribute '${storePath}'.`,
    );
  }
  const caseless = storePath === 'emails.value';
  const wanted = caseless ? value.toLowerCase() : value;
  const users = instance.users.filter((u) => attributeValues(u, storePath).some((v) => (caseless ? v.toLowerCase() : v) === wanted));
  if (users.length !== 1) {
    throw err(
      'InvalidGrantException',
      400,
      `Invalid grant provided: claim '${claimPath}' ('${value}') matches ${users.length} users on '${storePath}' in identity store ${instance.identityStoreId}; it must match exactly one.`,
    );
  }
  return users[0] as IdcUser;
}

/** `email` is a claim name; a dotted path such as `custom.email` walks nested objects. */
function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (path in claims) return claims[path];
  let v: unknown = claims;
  for (const part of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

function attributeValues(user: IdcUser, path: string): string[] {
  switch (path) {
    case 'emails.value':
      return user.emails;
    case 'userName':
      return [user.userName];
    case 'id':
      return [user.id];
    case 'displayName':
      return [user.displayName];
    default:
      return [];
  }
}

export function isAssigned(da: DataAccessor, user: IdcUser): boolean {
  if (da.assignedUsers.has(user.userName) || da.assignedUsers.has(user.id)) return true;
  if (user.emails.some((e) => da.assignedUsers.has(e))) return true;
  return user.groups.some((g) => da.assignedGroups.has(g));
}
