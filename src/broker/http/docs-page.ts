// The rendered API reference at /api/v1/docs: the OpenAPI document turned into a
// server-rendered page (views/api-docs.njk) with its stylesheet served beside it. No
// scripts and nothing external, so it works offline under a strict CSP.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Router from '@koa/router';
import { viewsDir, type Views } from '../../http/views.js';

/** Styles only from the served file; no scripts, frames, forms or other loads (img-src: the empty data: icon, which spares a favicon request). */
export const DOCS_CSP = "default-src 'none'; style-src 'self'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

// The parts of an OpenAPI 3.1 document the page shows.
interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  items?: Schema;
  anyOf?: Schema[];
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  description?: string;
  pattern?: string;
}
interface Media {
  schema?: Schema;
  examples?: Record<string, { summary?: string; value: unknown }>;
}
interface Operation {
  operationId: string;
  tags?: string[];
  summary: string;
  description: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: Schema; example?: unknown }[];
  requestBody?: { description?: string; content: Record<string, Media> };
  responses: Record<string, { description: string; headers?: Record<string, { description?: string }>; content?: Record<string, Media> }>;
}
export interface OpenApiDoc {
  info: { title: string; version: string; description?: string };
  servers?: { url: string }[];
  security?: Record<string, string[]>[];
  tags?: { name: string; description?: string }[];
  paths: Record<string, Partial<Record<string, Operation>>>;
  components?: {
    schemas?: Record<string, Schema>;
    securitySchemes?: Record<string, { description?: string; flows?: { clientCredentials?: { tokenUrl: string; scopes: Record<string, string> } } }>;
  };
}
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** Plain text with `code` spans, as the document's descriptions are written; escaped first, so safe to emit. */
export const inline = (text: unknown): string => escapeHtml(String(text ?? '')).replace(/`([^`]+)`/g, '<code>$1</code>');
const pretty = (v: unknown) => JSON.stringify(v, null, 2);
const refName = (schema: Schema | undefined) => schema?.$ref?.split('/').pop();

function typeOf(schema: Schema | undefined): string {
  if (!schema) return 'any';
  if (schema.$ref) return refName(schema)!;
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  const t = Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type ?? (schema.anyOf ? 'one of several' : 'any'));
  return t === 'array' ? `array of ${typeOf(schema.items)}` : t;
}

const examplesOf = (media: Media | undefined) =>
  Object.entries(media?.examples ?? {}).map(([name, ex]) => ({ name, summary: ex.summary ?? name, json: pretty(ex.value) }));

/** Top-level properties, with those of `allOf` members (references resolved in `schemas`). */
function properties(schema: Schema, schemas: Record<string, Schema>): { name: string; type: string; required: boolean; description: string }[] {
  const parts = [schema, ...(schema.allOf ?? []).map((s) => schemas[refName(s) ?? ''] ?? s)];
  const required = new Set<string>(parts.flatMap((s) => s.required ?? []));
  const props: Record<string, Schema> = Object.assign({}, ...parts.map((s) => s.properties ?? {}));
  return Object.entries(props).map(([name, p]) => ({
    name,
    type: typeOf(p),
    required: required.has(name),
    description: inline(p.description ?? (p.pattern ? `Pattern: \`${p.pattern}\`` : '')),
  }));
}

/** The view model: tags → operations, then the schemas they refer to. */
export function docsModel(doc: OpenApiDoc) {
  const security = doc.components?.securitySchemes ?? {};
  const scopes = security.serviceToken?.flows?.clientCredentials?.scopes ?? {};
  const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const op = item[method];
      if (!op) return [];
      const body = op.requestBody?.content['application/json'];
      const auth = (op.security ?? doc.security ?? []).flatMap((s) =>
        Object.entries(s).map(([scheme, names]) => ({ scheme, scopes: names.map((n) => ({ name: n, text: scopes[n] })) })),
      );
      return [
        {
          id: op.operationId,
          tag: op.tags?.[0] ?? 'Other',
          method: method.toUpperCase(),
          path,
          summary: op.summary,
          description: inline(op.description),
          auth,
          parameters: (op.parameters ?? []).map((p) => ({
            name: p.name,
            in: p.in,
            required: Boolean(p.required),
            type: typeOf(p.schema),
            description: inline(p.description),
            example: p.example,
          })),
          body: body && { description: inline(op.requestBody?.description), schema: refName(body.schema), examples: examplesOf(body) },
          responses: Object.entries(op.responses).map(([status, r]) => {
            const [type, media] = Object.entries(r.content ?? {})[0] ?? [];
            return {
              status,
              description: inline(r.description),
              type,
              schema: refName(media?.schema),
              examples: examplesOf(media),
              headers: Object.entries(r.headers ?? {}).map(([name, h]) => ({ name, description: inline(h.description) })),
            };
          }),
        },
      ];
    }),
  );
  const tags = (doc.tags ?? []).map((t) => ({
    name: t.name,
    anchor: `tag-${t.name.toLowerCase()}`,
    description: inline(t.description),
    operations: ops.filter((o) => o.tag === t.name),
  }));
  const all = doc.components?.schemas ?? {};
  const schemas = Object.entries(all).map(([name, s]) => ({ name, description: inline(s.description), properties: properties(s, all), json: pretty(s) }));
  const schemes = Object.entries(security).map(([name, s]) => ({
    name,
    description: inline(s.description),
    tokenUrl: s.flows?.clientCredentials?.tokenUrl,
    scopes: Object.entries(scopes).map(([n, text]) => ({ name: n, text })),
  }));
  return {
    info: { ...doc.info, description: inline(doc.info.description) },
    servers: doc.servers ?? [],
    tags,
    schemas,
    security: schemes,
    operationCount: ops.length,
  };
}

/** Mounts GET /docs (the page) and GET /docs/docs.css on the API router. */
export function mountDocs(router: Router, views: Views, doc: OpenApiDoc): void {
  const model = docsModel(doc);
  const css = readFileSync(join(viewsDir(), 'api-docs.css'), 'utf8');
  router.get('/docs', (ctx) => {
    views.render(ctx, 'api-docs', model, { csp: DOCS_CSP });
  });
  router.get('/docs/docs.css', (ctx) => {
    ctx.type = 'text/css; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = css;
  });
}
