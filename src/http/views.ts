// Server-rendered pages (nunjucks, auto-escaping on). Pages use no external assets so
// they work offline, and are never cached: they carry CSRF-relevant state.
import nunjucks from 'nunjucks';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import type { Context } from 'koa';

export interface Views {
  render(ctx: Pick<Context, 'type' | 'body' | 'set'>, name: string, data: Record<string, unknown>, opts?: RenderOptions): void;
}

export interface RenderOptions {
  /** A stricter policy for pages that take their styles from a served file (no inline styles). */
  csp?: string;
}

/** Inline styles only; no scripts, no external loads. */
const DEFAULT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";

export function viewsDir(): string {
  const candidates = ['../../views', '../../../views'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

export function createViews(): Views {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(viewsDir(), { noCache: false }), { autoescape: true, throwOnUndefined: false });
  return {
    render(ctx, name, data, opts = {}) {
      ctx.type = 'html';
      ctx.set('Cache-Control', 'no-store');
      // (form-action is left out of the default on purpose: browsers apply it to the
      // redirect back to the client after login.)
      ctx.set('Content-Security-Policy', opts.csp ?? DEFAULT_CSP);
      ctx.body = env.render(`${name}.njk`, { productName: 'tti-bridge', ...data });
    },
  };
}
