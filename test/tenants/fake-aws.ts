// A stand-in for the `aws` CLI that the kit's customer script runs in tests: it takes
// `aws <service> <operation> --region R --cli-input-json JSON [--query Q --output text]`,
// checks the request against the service model (exit 252, like the CLI's parameter
// validation, when it does not match), sends it with the real AWS SDK to the sandbox at
// $KIT_SANDBOX_URL, and prints the queried fields as the CLI's text output does.
import { appendFileSync } from 'node:fs';
import * as ssoAdmin from '@aws-sdk/client-sso-admin';
import * as qbusiness from '@aws-sdk/client-qbusiness';
import { checkInput } from '../sandbox/fidelity.js';

type Client = { send(c: unknown): Promise<Record<string, unknown>>; destroy(): void };
const SERVICES = {
  'sso-admin': { model: 'sso' as const, module: ssoAdmin as Record<string, unknown>, Client: ssoAdmin.SSOAdminClient },
  qbusiness: { model: 'qbusiness' as const, module: qbusiness as Record<string, unknown>, Client: qbusiness.QBusinessClient },
};

function fail(code: number, message: string): never {
  process.stderr.write(`aws: ${message}\n`);
  process.exit(code);
}

const [service, command, ...rest] = process.argv.slice(2);
const flags = new Map<string, string>();
for (let i = 0; i < rest.length; i += 2) flags.set(rest[i] as string, rest[i + 1] as string);
const known = new Set(['--region', '--cli-input-json', '--query', '--output']);
for (const f of flags.keys()) if (!known.has(f)) fail(252, `unknown option ${f}`);
const svc = SERVICES[service as keyof typeof SERVICES];
if (!svc || !command) fail(252, `unknown command ${service} ${command}`);
const operation = command.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
let input: Record<string, unknown>;
try {
  input = JSON.parse(flags.get('--cli-input-json') ?? '');
} catch {
  fail(252, '--cli-input-json is not JSON');
}
appendFileSync(process.env.KIT_CALL_LOG as string, `${JSON.stringify({ service, operation, region: flags.get('--region'), input })}\n`);
const problems = checkInput(svc.model, operation, input);
if (problems.length) fail(252, `Parameter validation failed:\n${problems.join('\n')}`);

const Command = svc.module[`${operation}Command`] as new (i: unknown) => unknown;
const client = new svc.Client({
  endpoint: process.env.KIT_SANDBOX_URL,
  region: flags.get('--region') as string,
  maxAttempts: 1,
  credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID as string, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY as string },
}) as unknown as Client;
try {
  const out = await client.send(new Command(input));
  const query = flags.get('--query');
  if (query) {
    const fields = /^\[(.*)\]$/.exec(query)?.[1]?.split(',') ?? [query];
    process.stdout.write(`${fields.map((f) => String(out[f])).join('\t')}\n`);
  }
} catch (e) {
  fail(254, `An error occurred (${(e as Error).name}) when calling the ${operation} operation: ${(e as Error).message}`);
} finally {
  client.destroy();
}
