// Checks captured sandbox outputs against the AWS service models (test/sandbox/models):
// required members, no unknown members, types, enums, lengths, ranges, patterns, unions.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CapturedResponse, SandboxService } from '../../src/sandbox/index.js';

interface Shape {
  type: string;
  required?: string[];
  members?: Record<string, { shape: string }>;
  member?: { shape: string };
  min?: number;
  max?: number;
  enum?: string[];
  pattern?: string;
  union?: boolean;
  exception?: boolean;
}
interface Model {
  operations: Record<string, { input?: { shape: string }; output?: { shape: string }; errors?: { shape: string }[] }>;
  shapes: Record<string, Shape>;
}

const FILES: Record<SandboxService, string> = { sts: 'sts', 'sso-oauth': 'sso-oidc', qbusiness: 'qbusiness', sso: 'sso-admin' };
// Errors any SigV4 service returns that no model declares (authentication, generic).
const COMMON_ERRORS = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'MissingAuthenticationToken',
  'IncompleteSignature',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'AccessDenied',
  'ValidationError',
  'InvalidAction',
  'RequestEntityTooLarge',
  'RequestEntityTooLargeException',
]);

const cache = new Map<string, Model>();
function model(service: SandboxService): Model {
  const file = FILES[service];
  let m = cache.get(file);
  if (!m) {
    m = JSON.parse(readFileSync(fileURLToPath(new URL(`./models/${file}.json`, import.meta.url)), 'utf8')) as Model;
    cache.set(file, m);
  }
  return m;
}

export function checkResponse(r: CapturedResponse): string[] {
  const m = model(r.service);
  const op = m.operations[r.operation];
  const where = `${r.service}:${r.operation}`;
  if (!op) return [`${where}: not an operation of the model`];
  if (r.errorCode === undefined) return op.output ? checkValue(m, op.output.shape, r.output, where) : [];
  const modeled = (op.errors ?? []).some((e) => e.shape === r.errorCode);
  if (!modeled) return COMMON_ERRORS.has(r.errorCode) ? [] : [`${where}: error ${r.errorCode} is neither modeled nor a common AWS error`];
  if (r.service === 'sts') return []; // awsQuery errors carry Code/Message in the envelope, checked via the SDK
  return checkValue(m, r.errorCode, r.output, `${where}:${r.errorCode}`);
}

/** Problems of a request (API member names, as `--cli-input-json` takes them) against the operation's input shape. */
export function checkInput(service: SandboxService, operation: string, input: unknown): string[] {
  const m = model(service);
  const op = m.operations[operation];
  if (!op?.input) return [`${service}:${operation}: not an operation of the model`];
  return checkValue(m, op.input.shape, input, `${service}:${operation}`);
}

function checkValue(m: Model, shapeName: string, value: unknown, path: string): string[] {
  const s = m.shapes[shapeName];
  if (!s) return [`${path}: unknown shape ${shapeName}`];
  switch (s.type) {
    case 'structure':
      return checkStructure(m, s, value, path);
    case 'list': {
      if (!Array.isArray(value)) return [`${path}: expected a list`];
      const p = range(value.length, s, path, 'length');
      return [...p, ...value.flatMap((v, i) => checkValue(m, (s.member as { shape: string }).shape, v, `${path}[${i}]`))];
    }
    case 'string': {
      if (typeof value !== 'string') return [`${path}: expected a string`];
      const p = range([...value].length, s, path, 'length');
      if (s.enum && !s.enum.includes(value)) p.push(`${path}: '${value}' not in enum ${s.enum.join('|')}`);
      const re = pattern(s.pattern);
      if (re && !re.test(value)) p.push(`${path}: '${value.slice(0, 80)}' does not match ${s.pattern}`);
      return p;
    }
    case 'integer':
    case 'long':
      return Number.isInteger(value) ? range(value as number, s, path, 'value') : [`${path}: expected an integer`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: expected a boolean`];
    case 'timestamp':
      return typeof value === 'number' || (typeof value === 'string' && !Number.isNaN(Date.parse(value))) ? [] : [`${path}: expected a timestamp`];
    default:
      return [];
  }
}

function checkStructure(m: Model, s: Shape, value: unknown, path: string): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected an object`];
  const obj = value as Record<string, unknown>;
  const members = s.members ?? {};
  const problems = (s.required ?? []).filter((k) => obj[k] === undefined).map((k) => `${path}: missing required ${k}`);
  const present = Object.keys(obj).filter((k) => obj[k] !== undefined);
  if (s.union && present.length !== 1) problems.push(`${path}: union must set exactly one member, has ${present.join(',')}`);
  for (const k of present) {
    const member = members[k];
    if (!member) problems.push(`${path}: unknown member ${k}`);
    else problems.push(...checkValue(m, member.shape, obj[k], `${path}.${k}`));
  }
  return problems;
}

function range(n: number, s: Shape, path: string, what: string): string[] {
  if (s.min !== undefined && n < s.min) return [`${path}: ${what} ${n} < min ${s.min}`];
  if (s.max !== undefined && n > s.max) return [`${path}: ${what} ${n} > max ${s.max}`];
  return [];
}

const patterns = new Map<string, RegExp | null>();
function pattern(p: string | undefined): RegExp | null {
  if (!p) return null;
  if (!patterns.has(p)) {
    let re: RegExp | null = null;
    // botocore writes astral ranges as \u10000-\u10FFFF, which JS regexes cannot express that way.
    if (!/\\u1[0-9A-F]{4}/.test(p)) {
      try {
        re = new RegExp(`^(?:${p})$`, 'u');
      } catch {
        re = null;
      }
    }
    patterns.set(p, re);
  }
  return patterns.get(p) ?? null;
}

export function checkAll(responses: CapturedResponse[]): string[] {
  // Nothing captured (captureResponses off, or the recorder broken) must not pass as "all match".
  if (responses.length === 0) return ['no responses were captured to check'];
  return responses.flatMap(checkResponse);
}
