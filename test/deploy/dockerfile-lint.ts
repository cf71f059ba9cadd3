// A small Dockerfile parser and the lint rules this project holds its image to
// (hadolint is not packaged for Debian; these are the rules we care about).

export interface Instruction {
  /** Upper-cased keyword: FROM, RUN, COPY, ... */
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
  line: number;
}

export interface Stage {
  name?: string;
  image: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM, with their defaults (usable in FROM lines). */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

/** Splits into instructions: joins `\` continuations, drops comments and blank lines. */
export function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  let current: { parts: string[]; line: number } | undefined;
  lines.forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (!current && trimmed === '')) return;
    const continued = /\\\s*$/.test(raw);
    const part = continued ? raw.replace(/\\\s*$/, '') : raw;
    if (current) current.parts.push(part.trim());
    else current = { parts: [part.trim()], line: i + 1 };
    if (!continued) {
      const joined = current.parts.filter(Boolean).join(' ');
      const m = /^(\S+)\s*(.*)$/s.exec(joined)!;
      out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: current.line });
      current = undefined;
    }
  });
  if (current) throw new Error(`line ${current.line}: continuation at end of file`);
  return out;
}

/** `--flag=value` options at the start of an instruction's arguments, and the rest. */
export function flags(args: string): { flags: Record<string, string>; rest: string } {
  const found: Record<string, string> = {};
  let rest = args;
  for (;;) {
    const m = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(rest);
    if (!m) break;
    found[m[1]!] = m[2] ?? '';
    rest = rest.slice(m[0].length);
  }
  return { flags: found, rest };
}

/** `KEY=value KEY2="v 2"` (or the legacy `KEY value`) pairs of ENV, ARG and LABEL. */
export function pairs(args: string): [string, string | undefined][] {
  if (!/^[^\s=]+=/.test(args)) {
    const m = /^(\S+)(?:\s+(.*))?$/s.exec(args);
    return m ? [[m[1]!, m[2]]] : [];
  }
  const out: [string, string | undefined][] = [];
  const re = /([A-Za-z_][A-Za-z0-9_.-]*)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g;
  for (const m of args.matchAll(re)) {
    const v = m[2];
    out.push([m[1]!, v === undefined ? undefined : v.replace(/^(["'])(.*)\1$/s, '$2')]);
  }
  return out;
}

const substitute = (s: string, vars: Record<string, string>) =>
  s.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_, a: string | undefined, dflt: string | undefined, b: string | undefined) => vars[(a ?? b)!] ?? dflt ?? '',
  );

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instructions(text)) {
    if (ins.keyword === 'FROM') {
      const { rest } = flags(`${ins.args} `);
      const m = /^(\S+)(?:\s+AS\s+(\S+))?\s*$/i.exec(rest.trim());
      if (!m) throw new Error(`line ${ins.line}: cannot parse FROM ${ins.args}`);
      stages.push({ image: substitute(m[1]!, globalArgs), ...(m[2] ? { name: m[2] } : {}), instructions: [ins] });
    } else if (stages.length === 0) {
      if (ins.keyword === 'ARG') for (const [k, v] of pairs(ins.args)) globalArgs[k] = v ?? '';
    } else {
      stages[stages.length - 1]!.instructions.push(ins);
    }
  }
  return { globalArgs, stages };
}

const SECRET_NAME = /SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL/i;

/** Problems found, one line each; empty when the Dockerfile follows every rule. */
export function lintDockerfile(text: string): string[] {
  const problems: string[] = [];
  let df: Dockerfile;
  try {
    df = parseDockerfile(text);
  } catch (err) {
    return [(err as Error).message];
  }
  if (df.stages.length === 0) return ['no FROM'];
  if (df.stages.length < 2) problems.push('multi-stage: build and runtime must be separate stages');

  const stageNames = new Set<string>();
  for (const stage of df.stages) {
    const from = stage.instructions[0]!;
    if (!stageNames.has(stage.image)) {
      const [, tag] = /^[^@]+?(?::([^/:@]+))?(?:@sha256:[0-9a-f]{64})?$/.exec(stage.image) ?? [];
      const digest = stage.image.includes('@sha256:');
      if (!digest && (!tag || tag === 'latest'))
        problems.push(`line ${from.line}: FROM ${stage.image} is not pinned (give a version tag or a digest, never latest)`);
    }
    if (stage.name) stageNames.add(stage.name);

    for (const ins of stage.instructions) {
      if (ins.keyword === 'RUN' && /\bnpm\s+(install|i|add)\b/.test(ins.args)) {
        problems.push(`line ${ins.line}: use npm ci (reproducible from package-lock.json), not npm install`);
      }
      if (ins.keyword === 'ENV' || ins.keyword === 'ARG') {
        for (const [name, value] of pairs(ins.args)) {
          if (SECRET_NAME.test(name) && !/_FILE$/.test(name) && value) {
            problems.push(`line ${ins.line}: ${ins.keyword} ${name} has a value: secrets are given at run time, never baked into the image`);
          }
        }
      }
      if (ins.keyword === 'ADD' && !/^\S*--/.test(ins.args) && /https?:\/\//.test(ins.args)) {
        problems.push(`line ${ins.line}: ADD of a URL: download in a RUN with a checksum instead`);
      }
    }
  }
  if (!df.stages.slice(0, -1).some((s) => s.instructions.some((i) => i.keyword === 'RUN' && /\bnpm\s+ci\b/.test(i.args)))) {
    problems.push('no npm ci in a build stage');
  }

  const final = df.stages[df.stages.length - 1]!;
  const ins = final.instructions;
  const start = ins.findIndex((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT');
  if (start < 0) problems.push('final stage: no CMD or ENTRYPOINT');
  const users = ins.filter((i) => i.keyword === 'USER');
  const lastUser = users[users.length - 1];
  const isRoot = (u: string) => /^(root|0)(:.*)?$/.test(u.trim());
  if (!lastUser || isRoot(lastUser.args)) problems.push('final stage: must switch to a non-root USER');
  else if (start >= 0 && ins.indexOf(lastUser) > start) problems.push('final stage: USER must come before CMD/ENTRYPOINT');
  else if (!ins.slice(0, start < 0 ? undefined : start).some((i) => i.keyword === 'USER' && !isRoot(i.args))) {
    problems.push('final stage: no non-root USER before CMD/ENTRYPOINT');
  }
  const health = ins.filter((i) => i.keyword === 'HEALTHCHECK');
  if (health.length === 0 || /^NONE\b/i.test(health[health.length - 1]!.args)) problems.push('final stage: no HEALTHCHECK');
  for (const i of ins) {
    if ((i.keyword === 'COPY' || i.keyword === 'ADD') && flags(`${i.args} `).flags.chown === undefined) {
      problems.push(`line ${i.line}: ${i.keyword} in the final stage must state ownership with --chown`);
    }
  }
  if (final.instructions.some((i) => i.keyword === 'RUN' && /\bnpm\s+ci\b/.test(i.args) && !/--omit=dev/.test(i.args))) {
    problems.push('final stage: npm ci without --omit=dev installs dev dependencies');
  }
  return problems;
}
