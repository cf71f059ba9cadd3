// The origins of the redirect URIs registered on web and native clients: the ISV's own
// applications. A connect flow's return URL must point at one of them (or at this service),
// so a connect link is never a redirect to a site the operator did not register.
import type { Database } from './database.js';

export async function registeredAppOrigins(db: Database): Promise<string[]> {
  const rows = await db.selectFrom('oidc_clients').select('metadata').execute();
  const origins = new Set<string>();
  for (const { metadata } of rows) {
    const m = metadata as { kind?: unknown; redirect_uris?: unknown } | null;
    if ((m?.kind !== 'web' && m?.kind !== 'native') || !Array.isArray(m.redirect_uris)) continue;
    for (const uri of m.redirect_uris) {
      if (typeof uri !== 'string' || !URL.canParse(uri)) continue;
      const { origin } = new URL(uri);
      if (origin !== 'null') origins.add(origin); // custom schemes have no origin
    }
  }
  return [...origins];
}
