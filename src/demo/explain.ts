// Turns the broker's audit rows for one search into the "what happened" panel: each step
// of the data-accessor exchange named by the AWS call it makes, so an ISV developer can
// match it with the customer's CloudTrail and the AWS documentation.
import type { AuditEvent, StepTrace } from './backend.js';

const STEPS: Record<string, { call: string; what: string }> = {
  assume_role: { call: 'sts:AssumeRole', what: "Assume the customer's data-accessor role with the tenant tag" },
  mint_assertion: { call: 'tti-bridge (local)', what: 'Sign a short-lived ID token for the user (the assertion)' },
  create_token: { call: 'sso-oauth:CreateTokenWithIAM', what: "Identity Center trusts our issuer and returns the user's identity context" },
  assume_role_context: { call: 'sts:AssumeRole', what: 'Assume the role again with the identity context: identity-aware credentials' },
  search: { call: 'qbusiness:SearchRelevantContent', what: 'Search as the user with those credentials' },
};

export interface ExplainRow {
  call: string;
  what: string;
  latency: string;
  ok: boolean;
  code?: string;
}

const ms = (n: number) => `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`;
const clock = (iso: string) => `${iso.slice(11, 19)} UTC`;

/** create_token as the authorization-code tenant's grants do it. */
const GRANT_STEPS: Record<string, { call: string; what: string }> = {
  authorization_code: {
    call: 'sso-oauth:CreateTokenWithIAM',
    what: 'Exchange the code from your Identity Center sign-in (PKCE) for your identity context and a refresh token, stored encrypted',
  },
  refresh_token: { call: 'sso-oauth:CreateTokenWithIAM', what: 'Refresh your stored Identity Center session (refresh token) for a new identity context' },
};
const REDIRECT_ROW = {
  call: 'browser → Identity Center /authorize',
  what: "You signed in at Globex's Identity Center and consented; it redirected back to /idc/callback with a code",
  latency: '—',
  ok: true,
};

const rowsOf = (exchange: AuditEvent | undefined): ExplainRow[] => {
  const detail = exchange?.detail as { steps?: StepTrace[]; grant?: string } | null;
  const grant = detail?.grant;
  const rows = (detail?.steps ?? []).map((s) => ({
    ...((s.step === 'create_token' && grant && GRANT_STEPS[grant]) || STEPS[s.step] || { call: s.step, what: '' }),
    latency: ms(s.latencyMs),
    ok: s.ok,
    // The failing step is the one the exchange's error code belongs to.
    code: s.ok ? undefined : (exchange?.errorCode ?? undefined),
  }));
  return grant === 'authorization_code' ? [REDIRECT_ROW, ...rows] : rows;
};

export function explainView(x: { fresh: boolean; search: AuditEvent; exchange?: AuditEvent } | undefined) {
  if (!x) return undefined;
  const searchOk = x.search.outcome === 'success';
  // No new exchange and a search that failed before reaching AWS (e.g. the user token was
  // refused): the credential cache was never consulted, so an older exchange explains nothing.
  const failedAt = (x.search.detail as { step?: string } | null)?.step;
  const mode = x.fresh ? 'fresh' : searchOk || failedAt === 'search' ? 'cached' : 'none';
  const exchange = mode === 'none' ? undefined : x.exchange;
  // A fresh exchange is part of this request; a reused one happened earlier and is shown apart.
  const rows = mode === 'fresh' ? rowsOf(exchange) : [];
  if (exchange?.outcome === 'success') {
    // The search call's own time: the broker's time for the request minus the exchange it ran.
    const own = x.search.latencyMs - (x.fresh ? exchange.latencyMs : 0);
    rows.push({ ...STEPS.search!, latency: ms(Math.max(0, own)), ok: searchOk, code: x.search.errorCode ?? undefined });
  }
  return {
    mode,
    rows,
    earlier: mode === 'cached' ? rowsOf(exchange) : [],
    exchangeAt: exchange ? clock(exchange.at) : undefined,
    errorCode: x.search.errorCode,
    searchLatency: ms(x.search.latencyMs),
  };
}
