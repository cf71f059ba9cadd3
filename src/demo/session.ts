// Server-side sessions for the demo ISV app. The browser only ever holds a random id in
// an HttpOnly, SameSite=Lax cookie; tokens stay in this process, so no page or script
// can read them. In-memory on purpose: the demo is one process and restarts sign out.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';

const COOKIE = 'demo_sid';
/** A sign-in that is never completed, or an idle visitor, is forgotten after this. */
const ANONYMOUS_TTL_MS = 15 * 60_000;
/** Bounds memory if someone scripts many visits; the oldest sessions go first. */
const MAX_SESSIONS = 5_000;

export interface SignedIn {
  sub: string;
  email: string;
  name: string;
  tenant: string;
  idToken: string;
}

export interface DemoSession {
  id: string;
  csrf: string;
  expiresAt: number;
  /** Set between /demo/login and /demo/callback (authorization code + PKCE checks). */
  pending?: { state: string; nonce: string; verifier: string };
  user?: SignedIn;
  /** The last question, shown again when the user comes back from Identity Center. */
  lastQuery?: string;
}

const random = () => randomBytes(32).toString('base64url');

export function createSessionStore() {
  const sessions = new Map<string, DemoSession>();

  function setCookie(ctx: Context, s: DemoSession | null): void {
    // Path /demo: the cookie is never sent to the provider or the API. secure follows the
    // request (TRUST_PROXY decides what counts as https behind a proxy).
    ctx.cookies.set(COOKIE, s?.id ?? null, {
      path: '/demo',
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.secure,
      overwrite: true,
      expires: s ? new Date(s.expiresAt) : undefined,
    });
  }

  function fresh(): DemoSession {
    if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
    const s: DemoSession = { id: random(), csrf: random(), expiresAt: Date.now() + ANONYMOUS_TTL_MS };
    sessions.set(s.id, s);
    return s;
  }

  return {
    /** The live session named by the cookie, if any (expired ones are dropped on sight). */
    find(ctx: Context): DemoSession | undefined {
      const id = ctx.cookies.get(COOKIE);
      const s = id ? sessions.get(id) : undefined;
      if (!s || s.expiresAt > Date.now()) return s;
      sessions.delete(s.id);
      return undefined;
    },
    /** The current session, or a new anonymous one (so forms can carry a CSRF token). */
    ensure(ctx: Context): DemoSession {
      const s = this.find(ctx);
      if (s) return s;
      const created = fresh();
      setCookie(ctx, created);
      return created;
    },
    /** After sign-in: a new id and CSRF token (no session fixation), living as long as the ID token. */
    signIn(ctx: Context, old: DemoSession, user: SignedIn, expiresAt: number): DemoSession {
      sessions.delete(old.id);
      const s = fresh();
      Object.assign(s, { user, expiresAt });
      setCookie(ctx, s);
      return s;
    },
    end(ctx: Context, s: DemoSession | undefined): void {
      if (s) sessions.delete(s.id);
      setCookie(ctx, null);
    },
    /** Constant-time check of the form's CSRF token against the session's. */
    csrfOk(s: DemoSession | undefined, presented: unknown): s is DemoSession {
      if (!s || typeof presented !== 'string') return false;
      const [a, b] = [Buffer.from(s.csrf), Buffer.from(presented)];
      return a.length === b.length && timingSafeEqual(a, b);
    },
    sweep(): void {
      const t = Date.now();
      for (const [id, s] of sessions) if (s.expiresAt <= t) sessions.delete(id);
    },
  };
}
