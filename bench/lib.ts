// Shared helpers for benchmarks: a keep-alive HTTP client (fetch adds too much client
// overhead to measure a server doing 5,000 req/s), a fixed-duration load loop, medians.
import http from 'node:http';

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string }

export function request(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (opts.body) req.end(opts.body);
    else req.end();
  });
}

/** Runs `op` from `concurrency` loops for `seconds`; returns completed ops per second. */
export async function throughput(op: () => Promise<void>, opts: { seconds: number; concurrency: number }): Promise<number> {
  const end = performance.now() + opts.seconds * 1000;
  let done = 0;
  const loop = async () => {
    while (performance.now() < end) {
      await op();
      done++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: opts.concurrency }, loop));
  return done / ((performance.now() - start) / 1000);
}

export const mib = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
