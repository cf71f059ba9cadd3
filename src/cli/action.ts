// The one place CLI errors become output: `error: <message>` (or a JSON error object
// with --json) and exit code 1. User mistakes never print a stack trace.
import { type Command, Option } from 'commander';
import { AppError, type ErrorCode } from '../shared/errors.js';
import { ConfigError } from '../config/load.js';
import type { CliContext, CliDeps } from './context.js';
import { resolveRemote, type GlobalOptions } from './mode.js';
import type { Remote } from './remote.js';

export interface Outcome {
  data: unknown;
  text: string;
  /** Printed as usual, then the process exits with this code (a check that ran and failed). */
  exitCode?: number;
}

/**
 * `api` is the running server in server mode (--server/--profile), null in local mode,
 * where `deps` opens the database.
 */
export type Handler = (input: { deps: () => Promise<CliDeps>; api: Remote | null; args: string[]; opts: Record<string, unknown> }) => Promise<Outcome>;

export class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

export function describeError(err: unknown): { code: ErrorCode; message: string; fields?: { field: string; message: string }[] } {
  if (err instanceof AppError) return { code: err.code, message: err.message, ...(err.options.fields ? { fields: err.options.fields } : {}) };
  if (err instanceof ConfigError) return { code: 'invalid_configuration', message: err.message };
  return { code: 'internal_error', message: err instanceof Error ? err.message : String(err) };
}

function report(ctx: CliContext, json: boolean, err: unknown): void {
  const e = describeError(err);
  if (json) ctx.io.stdout(`${JSON.stringify({ error: e }, null, 2)}\n`);
  else {
    ctx.io.stderr(`error: ${e.fields?.length ? e.message.replace(/:.*$/s, '') : e.message}\n`);
    for (const f of e.fields ?? []) ctx.io.stderr(`  ${f.field}: ${f.message}\n`);
  }
}

/** Adds a leaf command with --json; give it its handler with act(). */
export function leaf(parent: Command, spec: string, description: string): Command {
  return parent.command(spec).description(description).addOption(new Option('--json', 'print JSON (for scripts)'));
}

/** Runs the handler with the shared output and error handling. */
export function act(ctx: CliContext, cmd: Command, handler: Handler, options: { connect?: boolean } = {}): Command {
  return cmd.action(async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command;
    const opts = command.opts();
    try {
      // The program's own options only: a command's option of the same name (clients add --client-id) is not a global one.
      let root = command;
      while (root.parent) root = root.parent;
      const globals = root.opts() as GlobalOptions;
      ctx.globals = globals;
      const api = options.connect === false ? null : await resolveRemote(globals, ctx.env ?? {});
      const out = await handler({ deps: ctx.deps, api, args: command.args, opts });
      ctx.io.stdout(opts.json ? `${JSON.stringify(out.data, null, 2)}\n` : `${out.text}\n`);
      if (out.exitCode) throw new CliExit(out.exitCode);
    } catch (err) {
      if (err instanceof CliExit) throw err;
      report(ctx, Boolean(opts.json), err);
      throw new CliExit(1);
    }
  });
}

export const usageError = (message: string) => new AppError('usage', 400, message);

/** For commands that only make sense next to the database (migrations, files the server cannot write). */
export function localOnly(api: Remote | null, what: string): void {
  if (api)
    throw usageError(
      `${what} runs in local mode only (it works on the database directly): run it without --server/--profile where DATABASE_URL reaches the server's database`,
    );
}
