// The real terminal: process streams, files, and a prompt that does not echo.
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { CliIo } from './context.js';
import { usageError } from './action.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    // Asked for a password or a client secret: name both stdin options, the command has one of them.
    return Promise.reject(
      usageError(
        `no terminal to answer "${question.trim().replace(/:$/, '')}": pipe the value on standard input instead (--password-stdin or --client-secret-stdin)`,
      ),
    );
  }
  process.stderr.write(question);
  // Output goes to a sink, so typed characters are not echoed.
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  return new Promise((resolve) => {
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  readStdin: () => readAll(process.stdin),
  promptHidden,
  readFile: (path) => readFile(path, 'utf8'),
};
