// Passwords reach the CLI through stdin or a no-echo prompt, never as an argument that
// lands in shell history and the process list (a plain --password works, with a warning).
import type { CliIo } from './context.js';
import { usageError } from './action.js';

export interface PasswordOptions {
  passwordStdin?: boolean;
  password?: string;
  promptPassword?: boolean;
}

/** One line from stdin: the trailing newline `echo` or a file adds is not part of the password. */
const firstLine = (s: string) => s.replace(/\r?\n$/, '');

async function prompt(io: CliIo): Promise<string> {
  const first = await io.promptHidden('Password: ');
  const again = await io.promptHidden('Repeat password: ');
  if (first !== again) throw usageError('the passwords do not match');
  return first;
}

/** The password chosen by the options; `required` prompts when no option gave one. */
export async function readPassword(io: CliIo, opts: PasswordOptions, required: boolean): Promise<string | undefined> {
  const chosen = [opts.passwordStdin, opts.password !== undefined, opts.promptPassword].filter(Boolean).length;
  if (chosen > 1) throw usageError('use only one of --password-stdin, --password and --prompt-password');
  if (opts.passwordStdin) return firstLine(await io.readStdin());
  if (opts.password !== undefined) {
    io.stderr('warning: --password leaves the password in shell history and the process list; prefer --password-stdin\n');
    return opts.password;
  }
  if (opts.promptPassword || required) return prompt(io);
  return undefined;
}
