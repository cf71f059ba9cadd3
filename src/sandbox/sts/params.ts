// awsQuery request parsing: form fields, with lists as `<Name>.member.<N>.<Field>` (N from 1).
// An empty list arrives as a bare `Name=` pair (the JS SDK serialises empty lists) and is ignored.
export function parseForm(body: Buffer): URLSearchParams {
  return new URLSearchParams(body.toString('utf8'));
}

export function memberList(params: URLSearchParams, name: string, fields: string[]): Record<string, string | undefined>[] | undefined {
  const prefix = `${name}.member.`;
  const byIndex = new Map<number, Record<string, string | undefined>>();
  for (const [key, value] of params) {
    if (!key.startsWith(prefix)) continue;
    const [index, field] = key.slice(prefix.length).split('.');
    const n = Number(index);
    if (!Number.isInteger(n) || n < 1 || !field || !fields.includes(field)) continue;
    const entry = byIndex.get(n) ?? {};
    entry[field] = value;
    byIndex.set(n, entry);
  }
  if (byIndex.size === 0) return undefined;
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}
