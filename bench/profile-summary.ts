// Summarises a V8 .cpuprofile (from --cpu-prof, e.g. BENCH_PROFILE=dir npm run bench:idp):
// self time by where the code lives (our src/, each npm package, Node internals, GC, idle)
// and the top functions. Run: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top]
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: bench/profile-summary.ts <file.cpuprofile> [top]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfMicros = new Map<number, number>();
for (const [i, id] of profile.samples.entries()) selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));

function area(n: Node): string {
  const { url, functionName } = n.callFrame;
  if (functionName === '(idle)' || functionName === '(program)' || functionName === '(garbage collector)') return functionName;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.includes('/src/')) return `src/${url.split('/src/')[1]!.split('/')[0]}`;
  if (url.startsWith('node:') || !url) return 'node (internals, native)';
  return url;
}

const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);
const busy = total - [...selfMicros].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, v]) => a + v, 0);
const sum = (key: (n: Node) => string) => {
  const m = new Map<string, number>();
  for (const [id, us] of selfMicros) {
    const n = byId.get(id)!;
    if (n.callFrame.functionName === '(idle)') continue;
    m.set(key(n), (m.get(key(n)) ?? 0) + us);
  }
  return [...m].sort((a, b) => b[1] - a[1]);
};
const pct = (us: number) => `${((us / busy) * 100).toFixed(1)} %`;
const top = Number(topArg ?? 15);
console.log(`${file}: ${(total / 1e6).toFixed(1)} s profiled, main thread busy ${(busy / 1e6).toFixed(1)} s (argon2 runs on libuv threads: not in here)\n`);
console.log('| self time by area | share of busy |\n|---|---|');
for (const [k, us] of sum(area).slice(0, top)) console.log(`| ${k} | ${pct(us)} |`);
console.log('\n| top functions (self) | where | share of busy |\n|---|---|---|');
for (const [k, us] of sum((n) => `${n.callFrame.functionName || '(anonymous)'}\t${area(n)}`).slice(0, top)) {
  const [fn, where] = k.split('\t');
  console.log(`| ${fn} | ${where} | ${pct(us)} |`);
}
