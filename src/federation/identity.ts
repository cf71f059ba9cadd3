// From an upstream's verified claims to one of our users: the claim mapping (email,
// email_verified, name, groups, tenant), and the linking rules, which are explicit:
// - a sign-in is keyed by (upstream, sub): a linked identity always lands on its own user;
// - a new identity links to an existing account with the same email only when that
//   account has no password and no other linked identity; an account with a password is
//   never taken over (the person signs in with it, or an administrator removes it);
// - otherwise the user is created just in time, without a password.
// Broker tokens from a trusted external issuer name the user by email in the tenant.
import type { Database } from '../db/database.js';
import { tenantQueries } from '../db/tenants.js';
import { federatedUserQueries, isUniqueViolation, type UpstreamRow, type UserRow } from '../db/upstreams.js';
import { isEmail, normalizeEmail } from '../accounts/validate.js';
import { AppError, type ErrorCode } from '../shared/errors.js';

export interface UpstreamIdentity {
  subject: string;
  email: string;
  name: string | null;
  groups: string[];
  tenantId: string;
}

/** Error codes callers (login page, broker) turn into their own answers. */
export const identityError = (code: ErrorCode, message: string, status = 403) => new AppError(code, status, message);

const userDisabled = () => identityError('user_disabled', 'Your account is disabled; contact your administrator.');

// Upstream claims are text we store: control characters (NUL, which PostgreSQL refuses in
// text, among them) are dropped from names and groups, and a subject with any is refused.
const CONTROL = /\p{Cc}/gu;
const printable = (s: string) => s.replace(CONTROL, '');
const strings = (v: unknown): string[] =>
  (Array.isArray(v) ? v : typeof v === 'string' ? [v] : [])
    .filter((g): g is string => typeof g === 'string')
    .map(printable)
    .filter((g) => g.trim() !== '' && g.length <= 256)
    .slice(0, 500);

/**
 * Maps verified claims to an identity in one tenant. `wanted` is the tenant the request is
 * about (the login page's workspace, the broker's path); null when unknown.
 */
export function mapClaims(u: UpstreamRow, claims: Record<string, unknown>, wanted: string | null): UpstreamIdentity {
  const who = `${u.display_name} (${u.id})`;
  if (typeof claims.sub !== 'string' || !claims.sub) throw identityError('upstream_claims_invalid', `${who} sent no subject (sub) claim.`, 401);
  // OpenID Connect Core §2: at most 255 ASCII characters; we store it as the link's key.
  if (claims.sub.length > 255 || new RegExp(CONTROL.source, 'u').test(claims.sub)) {
    throw identityError(
      'upstream_claims_invalid',
      `${who} sent a subject (sub) claim that is not a valid identifier (over 255 characters or control characters).`,
      401,
    );
  }
  const rawEmail = claims[u.claim_email];
  if (typeof rawEmail !== 'string' || !isEmail(rawEmail)) {
    throw identityError(
      'upstream_email_missing',
      `${who} sent no email address in the '${u.claim_email}' claim; request the email scope or fix the upstream's claim mapping.`,
      401,
    );
  }
  // Identity Center maps users by email: an address the upstream has not verified could name someone else.
  const verified = claims[u.claim_email_verified];
  if (verified !== true && verified !== 'true') {
    throw identityError(
      'upstream_email_unverified',
      `${who} says the email address ${normalizeEmail(rawEmail)} is not verified ('${u.claim_email_verified}' is not true); verify it at ${u.display_name} first.`,
    );
  }
  const name = typeof claims[u.claim_name] === 'string' ? printable(claims[u.claim_name] as string).slice(0, 256) || null : null;
  const groups = [...new Set(u.claim_groups ? strings(claims[u.claim_groups]) : [])];
  return { subject: claims.sub, email: normalizeEmail(rawEmail), name, groups, tenantId: tenantOf(u, claims, wanted) };
}

function tenantOf(u: UpstreamRow, claims: Record<string, unknown>, wanted: string | null): string {
  if (u.tenant_claim) {
    const value = claims[u.tenant_claim];
    const mapped = typeof value === 'string' ? (u.tenant_map as Record<string, string>)[value] : undefined;
    if (!mapped || !u.tenants.includes(mapped)) {
      throw identityError(
        'upstream_tenant_unmapped',
        `${u.display_name}'s '${u.tenant_claim}' claim (${typeof value === 'string' ? value : 'missing'}) maps to no workspace; the administrator adds it to the upstream's tenant map.`,
      );
    }
    if (wanted !== null && wanted !== mapped)
      throw identityError('upstream_tenant_mismatch', `Your ${u.display_name} account belongs to another workspace than '${wanted}'.`);
    return mapped;
  }
  if (wanted !== null) {
    if (!u.tenants.includes(wanted)) throw identityError('upstream_tenant_mismatch', `${u.display_name} does not sign users into the workspace '${wanted}'.`);
    return wanted;
  }
  if (u.tenants.length === 1) return u.tenants[0]!;
  throw identityError('upstream_tenant_ambiguous', `${u.display_name} serves several workspaces: enter your workspace on the sign-in page first.`, 400);
}

export function createFederatedUsers(database: Database, now: () => Date = () => new Date()) {
  const q = federatedUserQueries(database);
  const tenants = tenantQueries(database);

  async function usableTenant(tenantId: string): Promise<void> {
    const tenant = await tenants.get(tenantId);
    if (tenant === null || tenant.status === 'disabled') throw identityError('tenant_unavailable', `The workspace '${tenantId}' is not available.`);
  }

  async function signInOnce(u: UpstreamRow, id: UpstreamIdentity): Promise<UserRow> {
    // Without a mapped groups claim the upstream says nothing about groups: keep the user's.
    const profile = { email: id.email, name: id.name, ...(u.claim_groups ? { groups: id.groups } : {}) };
    const linked = await q.linked(u.id, id.subject);
    if (linked) {
      if (linked.tenant_id !== id.tenantId)
        throw identityError('upstream_tenant_mismatch', `This ${u.display_name} account is linked to another workspace than '${id.tenantId}'.`);
      if (linked.disabled) throw userDisabled();
      try {
        return await q.refresh(linked.id, profile, now());
      } catch (err) {
        if (isUniqueViolation(err))
          throw identityError(
            'email_in_use',
            `${u.display_name} now gives your email as ${id.email}, which another account of this workspace uses; contact your administrator.`,
            409,
          );
        throw err;
      }
    }
    const existing = await q.byEmail(id.tenantId, id.email);
    if (!existing) return q.createLinked(u.id, id.subject, { ...profile, groups: id.groups, tenantId: id.tenantId });
    if (existing.password_hash !== null) {
      throw identityError(
        'account_has_password',
        `An account for ${id.email} already exists in the workspace '${id.tenantId}' with a password, so a ${u.display_name} sign-in cannot take it over. ` +
          `Sign in with your password instead, or ask your administrator to remove that account's password ` +
          `(tti-bridge users remove-password ${id.email} --tenant ${id.tenantId}); your next ${u.display_name} sign-in then links to it.`,
        409,
      );
    }
    const linkedElsewhere = () =>
      identityError(
        'account_linked_elsewhere',
        `The account for ${id.email} in '${id.tenantId}' is already linked to another sign-in; contact your administrator.`,
        409,
      );
    if ((await q.linkCount(existing.id)) > 0) throw linkedElsewhere();
    if (existing.disabled) throw userDisabled();
    // Checked again under the user's row lock: a concurrent first sign-in elsewhere may have linked it.
    if (!(await q.linkIfUnlinked(u.id, id.subject, existing.id))) throw linkedElsewhere();
    return q.refresh(existing.id, profile, now());
  }

  return {
    /** Federated sign-in: the linked, linked-now or newly created user. */
    async signIn(u: UpstreamRow, id: UpstreamIdentity): Promise<UserRow> {
      await usableTenant(id.tenantId);
      try {
        return await signInOnce(u, id);
      } catch (err) {
        // A concurrent first sign-in created the user or the link: the second pass finds it.
        if (isUniqueViolation(err)) return signInOnce(u, id);
        throw err;
      }
    },
    /** Broker tokens: the tenant's user with this email, created without a password if missing. */
    async byEmail(id: UpstreamIdentity): Promise<UserRow> {
      const existing = await q.byEmail(id.tenantId, id.email);
      if (existing) return existing;
      // The broker checked the tenant (active) before asking.
      try {
        return await q.createByEmail({ tenantId: id.tenantId, email: id.email, name: id.name, groups: id.groups });
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        return (await q.byEmail(id.tenantId, id.email))!;
      }
    },
  };
}

export type FederatedUsers = ReturnType<typeof createFederatedUsers>;
