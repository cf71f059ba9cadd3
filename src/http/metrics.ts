// Prometheus metrics, one registry per app instance (no global state, so tests can run
// several apps in one process). Label values are bounded: routes are templates, tenants
// are tenant ids the operator created, outcomes are stable error codes.
import { Registry, Counter, Histogram, Gauge, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Plain counts for the ratio gauge: reading the counters back is async in prom-client.
  let hits = 0;
  let misses = 0;
  const m = {
    registry,
    http: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    logins: new Counter({ name: 'logins_total', help: 'Password logins by outcome', labelNames: ['outcome'], registers: [registry] }),
    lockouts: new Counter({ name: 'login_lockouts_total', help: 'Login attempts refused because an account or IP is locked', registers: [registry] }),
    grants: new Counter({
      name: 'token_grants_total',
      help: 'Token endpoint grants by type and outcome',
      labelNames: ['grant_type', 'outcome'],
      registers: [registry],
    }),
    exchanges: new Counter({
      name: 'broker_exchanges_total',
      help: 'Identity Center exchanges by outcome and tenant',
      labelNames: ['tenant', 'outcome'],
      registers: [registry],
    }),
    auditDropped: new Counter({
      name: 'audit_events_dropped_total',
      help: 'Audit events lost: buffer full while the database was unavailable, or a row the database refused',
      registers: [registry],
    }),
    searches: new Counter({ name: 'broker_searches_total', help: 'Searches by outcome and tenant', labelNames: ['tenant', 'outcome'], registers: [registry] }),
    aws: new Histogram({
      name: 'aws_call_duration_seconds',
      help: 'AWS API call latency by operation',
      labelNames: ['operation', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    cacheHits: new Counter({ name: 'credential_cache_hits_total', help: 'Searches served with cached identity-enhanced credentials', registers: [registry] }),
    cacheMisses: new Counter({ name: 'credential_cache_misses_total', help: 'Searches that needed a fresh exchange', registers: [registry] }),
    cacheRatio: new Gauge({
      name: 'credential_cache_hit_ratio',
      help: 'Hits / (hits + misses) since start',
      registers: [registry],
      collect() {
        const total = hits + misses;
        this.set(total ? hits / total : 0);
      },
    }),
  };
  return {
    ...m,
    cacheHit() {
      hits++;
      m.cacheHits.inc();
    },
    cacheMiss() {
      misses++;
      m.cacheMisses.inc();
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
