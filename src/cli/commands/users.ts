// tti-bridge users add|import|list|disable|enable|set-password|remove-password
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { act, leaf } from '../action.js';
import { table } from '../format.js';
import { readPassword } from '../password-input.js';
import { parseUserFile, splitGroups, type ImportFormat } from '../../accounts/import.js';
import { AppError, notFound } from '../../shared/errors.js';
import type { Account } from '../../accounts/accounts.js';
import { normalizeEmail } from '../../accounts/validate.js';

const tenantOpt = (cmd: Command) => cmd.requiredOption('--tenant <id>', 'tenant ID');

function passwordOpts(cmd: Command): Command {
  return cmd
    .option('--password-stdin', 'read the password from standard input (one line)')
    .option('--prompt-password', 'ask for the password on the terminal (no echo)')
    .option('--password <password>', 'the password itself (discouraged: lands in shell history)');
}

const HEADERS = ['EMAIL', 'NAME', 'GROUPS', 'STATUS', 'PASSWORD', 'LAST LOGIN'];
const rowOf = (u: Account) => [u.email, u.name, u.groups, u.disabled ? 'disabled' : 'active', u.hasPassword ? 'yes' : 'no', u.lastLoginAt];

export function registerUserCommands(program: Command, ctx: CliContext): void {
  const users = program.command('users').description('manage the users who log in to the OpenID Provider');

  act(ctx, passwordOpts(tenantOpt(leaf(users, 'add <email>', 'add a user (without a password option, the user cannot log in until one is set)')))
    .option('--name <name>', 'display name')
    .option('--groups <groups>', 'groups, separated by ; or |')
    .option('--email-unverified', 'mark the email address as not verified'),
  async ({ deps, args, opts }) => {
    const password = await readPassword(ctx.io, opts, false);
    const user = await (await deps()).accounts.addUser({
      tenantId: opts.tenant as string, email: args[0]!, name: opts.name as string | undefined,
      groups: opts.groups ? splitGroups(opts.groups as string) : undefined, password, emailVerified: !opts.emailUnverified,
    });
    return { data: user, text: `added user ${user.email} to tenant ${user.tenantId}${user.hasPassword ? '' : ' (no password yet)'}` };
  });

  act(ctx, tenantOpt(leaf(users, 'import <file>', 'import users from CSV (email,name,groups,password) or JSON; all rows or none'))
    .option('--format <format>', 'csv or json (default: from the file extension)'),
  async ({ deps, args, opts }) => {
    const format = opts.format as ImportFormat | undefined;
    const text = await ctx.io.readFile(args[0]!).catch((err: NodeJS.ErrnoException) => {
      throw new AppError('file_unreadable', 400, `cannot read ${args[0]}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
    });
    const records = parseUserFile(args[0]!, text, format);
    const result = await (await deps()).accounts.importUsers(opts.tenant as string, records);
    return { data: result, text: `imported ${result.created} user(s) into tenant ${opts.tenant as string}` };
  });

  act(ctx, tenantOpt(leaf(users, 'list', 'list the users of a tenant')), async ({ deps, opts }) => {
    const list = await (await deps()).accounts.listUsers(opts.tenant as string);
    return { data: list, text: table(HEADERS, list.map(rowOf), '(no users)') };
  });

  act(ctx, tenantOpt(leaf(users, 'show <email>', 'show one user')), async ({ deps, args, opts }) => {
    const user = await (await deps()).accounts.getUser(opts.tenant as string, args[0]!);
    if (!user) throw notFound('user', args[0]!);
    return { data: user, text: table(HEADERS, [rowOf(user)]) };
  });

  act(ctx, tenantOpt(leaf(users, 'disable <email>', 'disable a user: no logins, no new tokens')), async ({ deps, args, opts }) => {
    const user = await (await deps()).accounts.disableUser(opts.tenant as string, args[0]!);
    return { data: user, text: `disabled user ${user.email}` };
  });

  act(ctx, tenantOpt(leaf(users, 'enable <email>', 'enable a disabled user')), async ({ deps, args, opts }) => {
    const user = await (await deps()).accounts.enableUser(opts.tenant as string, args[0]!);
    return { data: user, text: `enabled user ${user.email}` };
  });

  act(ctx, passwordOpts(tenantOpt(leaf(users, 'set-password <email>', 'set a user\'s password (asks on the terminal unless --password-stdin)'))),
    async ({ deps, args, opts }) => {
      const password = (await readPassword(ctx.io, opts, true))!;
      await (await deps()).accounts.setPassword(opts.tenant as string, args[0]!, password);
      return { data: { email: normalizeEmail(args[0]!), tenantId: opts.tenant, passwordSet: true }, text: `password set for ${args[0]}` };
    });

  act(ctx, tenantOpt(leaf(users, 'remove-password <email>', 'remove a user\'s password: they then sign in only through an upstream identity provider, whose next sign-in links to the account')),
    async ({ deps, args, opts }) => {
      const user = await (await deps()).accounts.removePassword(opts.tenant as string, args[0]!);
      return { data: user, text: `password removed for ${user.email}` };
    });
}
