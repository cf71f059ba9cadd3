// Field checks for user input, returning every problem at once (field names as the API uses them).
import type { FieldProblem } from '../shared/errors.js';

// Deliberately loose (RFC 5322 is not worth matching): one @, no spaces, a dot in the domain;
// no control characters (PostgreSQL refuses NUL in text, and none belongs in an address).
const EMAIL = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u;
export const PASSWORD_MIN = 8; // NIST SP 800-63B §5.1.1.2
export const PASSWORD_MAX = 1024; // generous; only guards against absurd inputs

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** An email address as every surface accepts one (users, SCIM, upstream claims). */
export const isEmail = (email: string): boolean => email.trim().length <= 254 && EMAIL.test(email.trim());

export function checkEmail(email: unknown, problems: FieldProblem[], field = 'email'): void {
  if (typeof email !== 'string' || email.trim() === '') problems.push({ field, message: 'is required' });
  else if (!isEmail(email)) {
    problems.push({ field, message: 'must be an email address like name@example.com' });
  }
}

export function checkPassword(password: unknown, problems: FieldProblem[], field = 'password'): void {
  if (typeof password !== 'string') problems.push({ field, message: 'must be a string' });
  else if ([...password].length < PASSWORD_MIN) {
    problems.push({ field, message: `must be at least ${PASSWORD_MIN} characters` });
  } else if (password.length > PASSWORD_MAX) {
    problems.push({ field, message: `must be at most ${PASSWORD_MAX} characters` });
  }
}

export function checkName(name: unknown, problems: FieldProblem[], field = 'name'): void {
  if (name === undefined || name === null) return;
  if (typeof name !== 'string' || name.length > 256) problems.push({ field, message: 'must be a string of at most 256 characters' });
}

export function checkGroups(groups: unknown, problems: FieldProblem[], field = 'groups'): void {
  if (groups === undefined) return;
  const ok = Array.isArray(groups) && groups.every((g) => typeof g === 'string' && g.trim() !== '' && g.length <= 256);
  if (!ok) problems.push({ field, message: 'must be a list of non-empty group names (at most 256 characters each)' });
}

/** Trims, drops empties and duplicates, keeping order. */
export const normalizeGroups = (groups: string[] | undefined) => [...new Set((groups ?? []).map((g) => g.trim()).filter(Boolean))];
