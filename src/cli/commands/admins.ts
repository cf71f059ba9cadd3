// tti-bridge admins add <email>: an operator who may use the admin console at /admin. Operators
// are users of the ADMIN_TENANT tenant (created here when missing) in group `admin` (every
// tenant) or `admin:<tenant id>` (only those, with --tenants). Only that tenant's users count,
// so no customer's directory can grant the role.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { act, leaf, usageError } from '../action.js';
import { readPassword } from '../password-input.js';
import { TENANT_ID } from '../../tenants/validate.js';

export function registerAdminCommands(program: Command, ctx: CliContext): void {
  const admins = program.command('admins').description('operators who may sign in to the admin console (/admin)');

  act(
    ctx,
    leaf(admins, 'add <email>', 'add an operator to the ADMIN_TENANT tenant (created if missing) in group admin; asks for a password')
      .option('--tenants <ids>', 'administer only these tenants (comma-separated): groups admin:<id> instead of admin')
      .option('--name <name>', 'display name')
      .option('--password-stdin', 'read the password from standard input (one line)')
      .option('--password <password>', 'the password itself (discouraged: lands in shell history)'),
    async ({ deps, args, opts }) => {
      const limited =
        typeof opts.tenants === 'string'
          ? opts.tenants
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean)
          : undefined;
      if (limited && (!limited.length || limited.some((t) => !TENANT_ID.test(t))))
        throw usageError('--tenants takes tenant ids separated by commas, e.g. --tenants acme,globex');
      const password = (await readPassword(ctx.io, opts, true))!;
      const { config, tenants, accounts } = await deps();
      const operators = config.ADMIN_TENANT;
      // admin:<ADMIN_TENANT> grants nothing (console/auth.ts): managing operators takes group admin.
      if (limited?.includes(operators))
        throw usageError(`--tenants cannot name the operator tenant '${operators}': administering operators takes a global administrator (omit --tenants)`);
      const created = !(await tenants.get(operators));
      if (created) await tenants.add({ id: operators, name: 'tti-bridge operators' });
      const groups = limited ? limited.map((t) => `admin:${t}`) : ['admin'];
      const user = await accounts.addUser({ tenantId: operators, email: args[0]!, name: opts.name as string | undefined, groups, password });
      return {
        data: { tenantId: operators, tenantCreated: created, email: user.email, groups: user.groups },
        text: [
          ...(created ? [`created the operator tenant ${operators}`] : []),
          `added ${user.email} to ${operators} with group${groups.length > 1 ? 's' : ''} ${groups.join(', ')}`,
          `sign in at ${config.ISSUER}/admin (workspace ${operators})`,
        ].join('\n'),
      };
    },
  );
}
