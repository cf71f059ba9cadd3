// tti-bridge tenants link <id>: a signed, expiring self-service link for the customer's
// administrator (the page at /onboard; see docs/onboarding.md).
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { act, leaf, usageError } from '../action.js';
import { keyValues } from '../format.js';
import { AppError, notFound } from '../../shared/errors.js';
import { createOnboardingLinks } from '../../tenants/onboarding-link.js';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "604800", "7d", "12h", "30m" → seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!m) throw usageError(`--expires-in: '${text}' is not a duration; use seconds or a number with s, m, h or d (e.g. 7d)`);
  return Number(m[1]) * UNITS[m[2] || 's']!;
}

/** The link as printed in either mode (the server's answer, or one signed here). */
function linkOutcome(link: { tenantId: string; url: string; expiresAt: string }) {
  const table = keyValues([
    ['Tenant ID', link.tenantId],
    ['Link', link.url],
    ['Expires', link.expiresAt],
  ]);
  return { data: link, text: `${table}\nSend the link to the customer's administrator; it works until it expires or the tenant turns active.` };
}

export function registerLinkCommand(tenants: Command, ctx: CliContext): void {
  act(
    ctx,
    leaf(tenants, 'link <id>', "make a signed self-service link for the customer's administrator (pending tenants only)").option(
      '--expires-in <duration>',
      'how long the link works: seconds, or e.g. 12h, 7d (default 7d, at most 30d)',
    ),
    async ({ deps, api, args, opts }) => {
      const ttl = opts.expiresIn === undefined ? undefined : parseDuration(String(opts.expiresIn));
      if (api) {
        // Server mode: the server signs with its own SECRET_KEY and ISSUER.
        const link = await api.call<{ tenantId: string; url: string; expiresAt: string }>(
          'POST',
          `/admin/tenants/${encodeURIComponent(args[0]!)}/onboarding-link`,
          ttl === undefined ? {} : { expiresInSeconds: ttl },
        );
        return linkOutcome(link);
      }
      const { tenants: service, config } = await deps();
      const tenant = await service.get(args[0]!);
      if (!tenant) throw notFound('tenant', args[0]!);
      if (tenant.status !== 'pending') {
        throw new AppError('tenant_not_pending', 409, `tenant '${tenant.id}' is ${tenant.status}; onboarding links are for pending tenants`);
      }
      if (!config.SECRET_KEY) throw new AppError('invalid_configuration', 400, 'SECRET_KEY is not set: links are signed with the key the server uses');
      const links = createOnboardingLinks({ secretKey: config.SECRET_KEY, issuer: config.ISSUER });
      const link = links.issue(tenant.id, ttl);
      return linkOutcome({ tenantId: tenant.id, ...link });
    },
  );
}
