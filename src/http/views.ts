// Server-rendered pages (nunjucks, auto-escaping on). Pages use no external assets so
// they work offline, and are never cached: they carry CSRF-relevant state.
import nunjucks from 'nunjucks';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import type { Context } from 'koa';

export interface Views {
  render(ctx: Pick<Context, 'type' | 'body' | 'set'>, name: string, data: Record<string, unknown>): void;
  renderString(name: string, data: Record<string, unknown>): string;
}

function viewsDir(): string {
  const candidates = ['../../views', '../../../views'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

export function createViews(productName = 'tti-bridge'): Views {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(viewsDir(), { noCache: false }), { autoescape: true, throwOnUndefined: false });
  const renderString = (name: string, data: Record<string, unknown>) => env.render(`${name}.njk`, { productName, ...data });
  return {
    renderString,
    render(ctx, name, data) {
      ctx.type = 'html';
      ctx.set('Cache-Control', 'no-store');
      // Inline styles only; no scripts, no external loads. (form-action is left out on
      // purpose: browsers apply it to the redirect back to the client after login.)
      ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'");
      ctx.body = renderString(name, data);
    },
  };
}
