// A stand-in terminal for running CLI commands in-process: captures what they print and
// answers stdin, password prompts and file reads from fixed inputs.
import type { CliIo } from '../../src/cli/context.js';

export interface TerminalInput {
  stdin?: string;
  files?: Record<string, string>;
  /** Answers to hidden prompts, in order; a further prompt fails. */
  prompts?: string[];
}

export function fakeIo(input: TerminalInput = {}): { io: CliIo; printed: { out: string; err: string } } {
  const printed = { out: '', err: '' };
  const prompts = [...(input.prompts ?? [])];
  const io: CliIo = {
    stdout: (t) => void (printed.out += t),
    stderr: (t) => void (printed.err += t),
    readStdin: async () => input.stdin ?? '',
    promptHidden: async () => {
      const next = prompts.shift();
      if (next === undefined) throw new Error('unexpected prompt');
      return next;
    },
    readFile: async (path) => {
      const text = input.files?.[path];
      if (text === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return text;
    },
  };
  return { io, printed };
}
