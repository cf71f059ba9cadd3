// AssumeRole input constraints from the STS model, reported the way AWS reports them:
// "N validation error(s) detected: Value '…' at '…' failed to satisfy constraint: …".
import { ServiceError } from '../errors.js';

export interface Tag {
  Key: string;
  Value: string;
}
export interface ProvidedContext {
  ProviderArn: string;
  ContextAssertion: string;
}

const SESSION_NAME = /^[\w+=,.@-]*$/;
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

class ConstraintCollector {
  private readonly problems: string[] = [];

  length(field: string, value: string | undefined, min: number, max: number): void {
    if (value === undefined) return;
    if (value.length < min) this.fail(field, value, `Member must have length greater than or equal to ${min}`);
    else if (value.length > max) this.fail(field, value, `Member must have length less than or equal to ${max}`);
  }

  pattern(field: string, value: string | undefined, re: RegExp, source: string): void {
    if (value !== undefined && !re.test(value)) this.fail(field, value, `Member must satisfy regular expression pattern: ${source}`);
  }

  fail(field: string, value: unknown, constraint: string): void {
    this.problems.push(`Value '${String(value)}' at '${field}' failed to satisfy constraint: ${constraint}`);
  }

  throwIfAny(): void {
    if (this.problems.length === 0) return;
    const n = this.problems.length;
    throw new ServiceError('ValidationError', 400, `${n} validation error${n > 1 ? 's' : ''} detected: ${this.problems.join('; ')}`);
  }
}

export interface AssumeRoleInput {
  roleArn: string;
  sessionName: string;
  durationSeconds?: number;
  tags: Tag[];
  contexts: ProvidedContext[];
}

export function validateAssumeRole(raw: {
  roleArn?: string;
  sessionName?: string;
  duration?: string;
  tags?: Record<string, string | undefined>[];
  contexts?: Record<string, string | undefined>[];
}): AssumeRoleInput {
  const c = new ConstraintCollector();
  if (raw.roleArn === undefined) c.fail('roleArn', null, 'Member must not be null');
  if (raw.sessionName === undefined) c.fail('roleSessionName', null, 'Member must not be null');
  c.length('roleArn', raw.roleArn, 20, 2048);
  c.length('roleSessionName', raw.sessionName, 2, 64);
  c.pattern('roleSessionName', raw.sessionName, SESSION_NAME, '[\\w+=,.@-]*');
  let durationSeconds: number | undefined;
  if (raw.duration !== undefined) {
    durationSeconds = Number(raw.duration);
    if (!Number.isInteger(durationSeconds)) c.fail('durationSeconds', raw.duration, 'Member must be an integer');
    else if (durationSeconds < 900) c.fail('durationSeconds', raw.duration, 'Member must have value greater than or equal to 900');
    else if (durationSeconds > 43200) c.fail('durationSeconds', raw.duration, 'Member must have value less than or equal to 43200');
  }
  const tags = (raw.tags ?? []).map((t) => ({ Key: t['Key'] ?? '', Value: t['Value'] ?? '' }));
  if (tags.length > 50) c.fail('tags', `[${tags.length} tags]`, 'Member must have length less than or equal to 50');
  tags.forEach((t, i) => {
    c.length(`tags.${i + 1}.member.key`, t.Key, 1, 128);
    c.pattern(`tags.${i + 1}.member.key`, t.Key || 'x', TAG_CHARS, '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+');
    c.length(`tags.${i + 1}.member.value`, t.Value, 0, 256);
    c.pattern(`tags.${i + 1}.member.value`, t.Value, TAG_CHARS, '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*');
  });
  const contexts = (raw.contexts ?? []).map((p) => ({ ProviderArn: p['ProviderArn'] ?? '', ContextAssertion: p['ContextAssertion'] ?? '' }));
  if (contexts.length > 5) c.fail('providedContexts', `[${contexts.length} contexts]`, 'Member must have length less than or equal to 5');
  contexts.forEach((p, i) => {
    c.length(`providedContexts.${i + 1}.member.providerArn`, p.ProviderArn, 20, 2048);
    c.length(`providedContexts.${i + 1}.member.contextAssertion`, p.ContextAssertion, 4, 2048);
  });
  c.throwIfAny();
  const seen = new Set<string>();
  for (const t of tags) {
    const k = t.Key.toLowerCase();
    if (seen.has(k)) throw new ServiceError('ValidationError', 400, 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    if (k.startsWith('aws:')) throw new ServiceError('ValidationError', 400, `Tag keys may not begin with 'aws:' (${t.Key}).`);
    seen.add(k);
  }
  return {
    roleArn: raw.roleArn as string,
    sessionName: raw.sessionName as string,
    ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    tags,
    contexts,
  };
}
