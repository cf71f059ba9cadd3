// Human output: aligned tables and key/value blocks. JSON output is the data as is.

export type Cell = string | number | boolean | Date | null | undefined | string[];

export function cell(v: Cell): string {
  if (v === null || v === undefined || v === '') return '-';
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.length ? v.join(',') : '-';
  return String(v);
}

export function table(headers: string[], rows: Cell[][], empty = '(none)'): string {
  if (rows.length === 0) return empty;
  const text = rows.map((r) => r.map(cell));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]!.length)));
  const line = (cols: string[]) => cols.map((c, i) => (i === cols.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(headers), ...text.map(line)].join('\n');
}

export function keyValues(pairs: [string, Cell][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width + 1)}  ${cell(v)}`).join('\n');
}
