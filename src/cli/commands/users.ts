// tti-bridge users add|import|list|disable|enable|set-password|remove-password
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { act, leaf, localOnly, usageError } from '../action.js';
import { table } from '../format.js';
import { readPassword } from '../password-input.js';
import { parseUserFile, splitGroups, type ImportFormat } from '../../accounts/import.js';
import { AppError, notFound } from '../../shared/errors.js';
import type { Account } from '../../accounts/accounts.js';

const tenantOpt = (cmd: Command) => cmd.requiredOption('--tenant <id>', 'tenant ID');

function passwordOpts(cmd: Command): Command {
  return cmd
    .option('--password-stdin', 'read the password from standard input (one line)')
    .option('--prompt-password', 'ask for the password on the terminal (no echo)')
    .option('--password <password>', 'the password itself (discouraged: lands in shell history)');
}

const HEADERS = ['EMAIL', 'NAME', 'GROUPS', 'STATUS', 'PASSWORD', 'LAST LOGIN'];
const rowOf = (u: Account) => [u.email, u.name, u.groups, u.disabled ? 'disabled' : 'active', u.hasPassword ? 'yes' : 'no', u.lastLoginAt];

const userPath = (tenant: string, email: string) => `/admin/tenants/${encodeURIComponent(tenant)}/users/${encodeURIComponent(email)}`;

export function registerUserCommands(program: Command, ctx: CliContext): void {
  const users = program.command('users').description('manage the users who log in to the OpenID Provider');

  act(
    ctx,
    passwordOpts(tenantOpt(leaf(users, 'add <email>', 'add a user (without a password option, the user cannot log in until one is set)')))
      .option('--name <name>', 'display name')
      .option('--groups <groups>', 'groups, separated by ; or |')
      .option('--email-unverified', 'mark the email address as not verified'),
    async ({ deps, api, args, opts }) => {
      const password = await readPassword(ctx.io, opts, false);
      const input = {
        email: args[0]!,
        name: opts.name as string | undefined,
        groups: opts.groups ? splitGroups(opts.groups as string) : undefined,
        password,
        emailVerified: !opts.emailUnverified,
      };
      const tenantId = opts.tenant as string;
      const user = api
        ? await api.call<Account>('POST', `/admin/tenants/${encodeURIComponent(tenantId)}/users`, input)
        : await (await deps()).accounts.addUser({ ...input, tenantId });
      return { data: user, text: `added user ${user.email} to tenant ${user.tenantId}${user.hasPassword ? '' : ' (no password yet)'}` };
    },
  );

  act(
    ctx,
    tenantOpt(
      leaf(
        users,
        'import <file>',
        "import users from CSV (email,name,groups,password,password_hash) or JSON; all rows or none (local mode). password_hash keeps a user's existing password: bcrypt, argon2id/argon2i, scrypt or PBKDF2-SHA256 (PHC, passlib or Django pbkdf2_sha256), rehashed to argon2id at the next login",
      ),
    ).option('--format <format>', 'csv or json (default: from the file extension)'),
    async ({ deps, api, args, opts }) => {
      localOnly(api, 'users import');
      const format = opts.format as ImportFormat | undefined;
      const text = await ctx.io.readFile(args[0]!).catch((err: NodeJS.ErrnoException) => {
        throw new AppError('file_unreadable', 400, `cannot read ${args[0]}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
      });
      const records = parseUserFile(args[0]!, text, format);
      const result = await (await deps()).accounts.importUsers(opts.tenant as string, records);
      return { data: result, text: `imported ${result.created} user(s) into tenant ${opts.tenant as string}` };
    },
  );

  act(
    ctx,
    tenantOpt(leaf(users, 'list', 'list the users of a tenant, by email'))
      .option('--email <text>', 'only emails containing this text')
      .option('--after <cursor>', 'continue after a previous page (its next cursor)')
      .option('--limit <n>', 'users per page (1-500)', '100'),
    async ({ deps, api, opts }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw usageError('--limit must be a number from 1 to 500');
      const tenantId = opts.tenant as string;
      const q = { email: opts.email as string | undefined, after: opts.after as string | undefined, limit };
      const page = api
        ? await api.call<{ users: Account[]; nextCursor: string | null }>(
            'GET',
            `/admin/tenants/${encodeURIComponent(tenantId)}/users?${new URLSearchParams(
              Object.entries({ ...q, limit: String(limit) }).filter(([, v]) => v !== undefined) as [string, string][],
            )}`,
          )
        : await (await deps()).accounts.pageUsers(tenantId, q);
      const more = page.nextCursor ? `\nmore: tti-bridge users list --tenant ${tenantId} --after ${page.nextCursor}` : '';
      return { data: page, text: `${table(HEADERS, page.users.map(rowOf), '(no users)')}${more}` };
    },
  );

  act(ctx, tenantOpt(leaf(users, 'show <email>', 'show one user')), async ({ deps, api, args, opts }) => {
    let user: Account | null;
    if (api) user = await api.call<Account>('GET', userPath(opts.tenant as string, args[0]!));
    else user = await (await deps()).accounts.getUser(opts.tenant as string, args[0]!);
    if (!user) throw notFound('user', args[0]!);
    const mfa = api
      ? await api.call<{ enrolled: boolean; recoveryCodesLeft: number }>('GET', `${userPath(opts.tenant as string, args[0]!)}/mfa`)
      : await (await deps()).accounts.mfaStatus(user.id);
    const mfaText = mfa.enrolled ? `authenticator set up, ${mfa.recoveryCodesLeft} recovery code(s) left` : 'no authenticator';
    return { data: { ...user, mfa }, text: `${table(HEADERS, [rowOf(user)])}\nMFA: ${mfaText}` };
  });

  act(ctx, tenantOpt(leaf(users, 'disable <email>', 'disable a user: no logins, no new tokens')), async ({ deps, api, args, opts }) => {
    const user = api
      ? await api.call<Account>('POST', `${userPath(opts.tenant as string, args[0]!)}/disable`)
      : await (await deps()).accounts.disableUser(opts.tenant as string, args[0]!);
    return { data: user, text: `disabled user ${user.email}` };
  });

  act(ctx, tenantOpt(leaf(users, 'enable <email>', 'enable a disabled user')), async ({ deps, api, args, opts }) => {
    const user = api
      ? await api.call<Account>('POST', `${userPath(opts.tenant as string, args[0]!)}/enable`)
      : await (await deps()).accounts.enableUser(opts.tenant as string, args[0]!);
    return { data: user, text: `enabled user ${user.email}` };
  });

  act(
    ctx,
    tenantOpt(
      leaf(
        users,
        'reset-mfa <email>',
        "remove a user's authenticator app and recovery codes (lost phone); they set up a new one at their next sign-in when the tenant's MFA policy asks for it",
      ),
    ),
    async ({ deps, api, args, opts }) => {
      const tenant = opts.tenant as string;
      let r: { email: string; tenantId: string; reset: boolean };
      if (api) r = await api.call('POST', `${userPath(tenant, args[0]!)}/reset-mfa`);
      else {
        const services = await deps();
        const user = await services.accounts.getUser(tenant, args[0]!);
        if (!user) throw notFound('user', args[0]!);
        r = { email: user.email, tenantId: user.tenantId, ...(await services.accounts.resetMfa(user.id, { tenantId: tenant })) };
      }
      return { data: r, text: r.reset ? `removed the authenticator of ${r.email}` : `${r.email} had no authenticator set up` };
    },
  );

  act(ctx, tenantOpt(leaf(users, 'unlock <email>', "clear a user's login lock after too many failed sign-ins")), async ({ deps, api, args, opts }) => {
    const r = api
      ? await api.call<{ user: Account; wasLocked: boolean }>('POST', `${userPath(opts.tenant as string, args[0]!)}/unlock`)
      : await (await deps()).accounts.unlockUser(opts.tenant as string, args[0]!);
    return { data: r, text: r.wasLocked ? `unlocked user ${r.user.email}` : `user ${r.user.email} was not locked (failure count cleared)` };
  });

  const reset = async (input: {
    deps: () => Promise<import('../context.js').CliDeps>;
    api: import('../remote.js').Remote | null;
    tenant: string;
    email: string;
    password?: string;
  }) =>
    input.api
      ? input.api.call<{ user: Account; generatedPassword?: string }>(
          'POST',
          `${userPath(input.tenant, input.email)}/reset-password`,
          input.password === undefined ? {} : { password: input.password },
        )
      : (await input.deps()).accounts.resetPassword(input.tenant, input.email, input.password);

  act(
    ctx,
    passwordOpts(
      tenantOpt(leaf(users, 'set-password <email>', "set a user's password and clear any login lock (asks on the terminal unless --password-stdin)")),
    ),
    async ({ deps, api, args, opts }) => {
      const password = (await readPassword(ctx.io, opts, true))!;
      const r = await reset({ deps, api, tenant: opts.tenant as string, email: args[0]!, password });
      return { data: { email: r.user.email, tenantId: r.user.tenantId, passwordSet: true }, text: `password set for ${r.user.email}` };
    },
  );

  act(
    ctx,
    passwordOpts(
      tenantOpt(
        leaf(users, 'reset-password <email>', 'give a user a new password (generated and printed once unless a password option is given); clears any lock'),
      ),
    ),
    async ({ deps, api, args, opts }) => {
      const password = await readPassword(ctx.io, opts, false);
      const r = await reset({ deps, api, tenant: opts.tenant as string, email: args[0]!, password });
      const text = r.generatedPassword
        ? `new password for ${r.user.email}: ${r.generatedPassword}\nHand it to the user over a safe channel; it is not shown again.`
        : `password set for ${r.user.email}`;
      return { data: r, text };
    },
  );

  act(
    ctx,
    tenantOpt(
      leaf(
        users,
        'remove-password <email>',
        "remove a user's password: they then sign in only through an upstream identity provider, whose next sign-in links to the account",
      ),
    ),
    async ({ deps, args, opts }) => {
      const user = await (await deps()).accounts.removePassword(opts.tenant as string, args[0]!);
      return { data: user, text: `password removed for ${user.email}` };
    },
  );
}
