// tti-bridge audit list
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { act, leaf, usageError } from '../action.js';
import { table } from '../format.js';
import { listAudit } from '../../broker/audit.js';

function date(value: unknown, flag: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(String(value));
  if (Number.isNaN(d.getTime())) throw usageError(`${flag} must be a date like 2030-01-31 or 2030-01-31T12:00:00Z`);
  return d;
}

export function registerAuditCommands(program: Command, ctx: CliContext): void {
  const audit = program.command('audit').description('the audit trail of broker exchanges and searches');

  act(
    ctx,
    leaf(audit, 'list', 'list audit events, newest first')
      .option('--tenant <id>', 'only this tenant')
      .option('--user <id>', 'only this user id')
      .option('--client <id>', 'only this service client')
      .option('--kind <kind>', 'only this kind of event')
      .option('--outcome <outcome>', 'only this outcome')
      .option('--since <date>', 'from this instant')
      .option('--until <date>', 'before this instant')
      .option('--before <cursor>', 'continue from a previous page')
      .option('--limit <n>', 'events per page (1-500)', '50'),
    async ({ deps, api, opts }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw usageError('--limit must be a number from 1 to 500');
      if (opts.before !== undefined && !/^\d+$/.test(String(opts.before))) throw usageError('--before must be a cursor printed by a previous page');
      const filter = {
        tenantId: opts.tenant as string | undefined,
        userId: opts.user as string | undefined,
        serviceClientId: opts.client as string | undefined,
        kind: opts.kind as string | undefined,
        outcome: opts.outcome as string | undefined,
        since: date(opts.since, '--since'),
        until: date(opts.until, '--until'),
        before: opts.before as string | undefined,
        limit,
      };
      const query = new URLSearchParams(
        Object.entries(filter).flatMap(([k, v]) => (v === undefined ? [] : [[k, v instanceof Date ? v.toISOString() : String(v)]])) as [string, string][],
      );
      const page = api
        ? await api.call<Awaited<ReturnType<typeof listAudit>>>('GET', `/admin/audit?${query}`)
        : await listAudit((await deps()).database, filter);
      const rows = page.events.map((e) => [e.at, e.kind, e.tenantId, e.userId, e.serviceClientId, e.outcome, e.errorCode, e.latencyMs]);
      const more = page.nextCursor ? `\nmore: --before ${page.nextCursor}` : '';
      return { data: page, text: `${table(['AT', 'KIND', 'TENANT', 'USER', 'CLIENT', 'OUTCOME', 'ERROR', 'MS'], rows, '(no events)')}${more}` };
    },
  );
}
