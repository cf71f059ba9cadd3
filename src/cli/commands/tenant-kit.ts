// tti-bridge tenants kit <id>: writes the tenant's onboarding kit (ISV role policies and
// template, the customer's script, template and values) to a directory and prints a summary.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { act, leaf } from '../action.js';
import { keyValues } from '../format.js';
import { notFound } from '../../shared/errors.js';
import { buildKit, type KitTenant } from '../../tenants/kit/index.js';

const EXECUTABLE = new Set(['customer-setup.sh']);

export function registerKitCommand(tenants: Command, ctx: CliContext): void {
  act(
    ctx,
    leaf(tenants, 'kit <id>', "write the onboarding kit for a tenant: ISV role policies, the customer's AWS CLI script and CloudFormation")
      .option('--out <dir>', 'directory to write the kit to (default ./kit-<id>)')
      .option('--role-arn <arn>', "the ISV's data-accessor role (default: the tenant's role ARN)")
      .option('--application-principal <arn>', 'the IAM role or user tti-bridge runs as, trusted by the data-accessor role')
      .option('--display-name <name>', 'data accessor name shown to the customer (default tti-bridge-<id>)'),
    async ({ deps, api, args, opts }) => {
      // Server mode: the tenant, the data-accessor client (visible to a global admin) and the issuer from the server.
      const source = api
        ? {
            tenant: await api.call<KitTenant>('GET', `/admin/tenants/${encodeURIComponent(args[0]!)}`),
            issuer: (await api.discovery()).issuer,
            dataAccessorClientId:
              (await api.call<{ clients: { clientId: string; kind: string }[] }>('GET', '/admin/clients')).clients.find((c) => c.kind === 'data-accessor')
                ?.clientId ?? null,
            production: !(await api.discovery()).issuer.startsWith('http:'),
          }
        : await (async () => {
            const { tenants: service, clients, config } = await deps();
            const t = await service.get(args[0]!);
            if (!t) throw notFound('tenant', args[0]!);
            return {
              tenant: t as KitTenant,
              issuer: config.ISSUER,
              dataAccessorClientId: await clients.dataAccessorClientId(),
              production: config.NODE_ENV === 'production',
            };
          })();
      const { tenant } = source;
      const kit = buildKit(
        {
          tenant,
          issuer: source.issuer,
          dataAccessorClientId: source.dataAccessorClientId,
          roleArn: opts.roleArn as string | undefined,
          applicationPrincipal: opts.applicationPrincipal as string | undefined,
          displayName: opts.displayName as string | undefined,
        },
        { allowHttpIssuer: !source.production },
      );
      const dir = resolve((opts.out as string | undefined) ?? `kit-${tenant.id}`);
      await mkdir(dir, { recursive: true });
      for (const [name, content] of Object.entries(kit.files)) {
        await writeFile(join(dir, name), content, 'utf8');
        if (EXECUTABLE.has(name)) await chmod(join(dir, name), 0o755);
      }
      const v = kit.values;
      const text = [
        `wrote the onboarding kit for tenant ${tenant.id} to ${dir}`,
        '',
        'For you (the ISV), once for all tenants: isv-permission-policy.json, isv-trust-policy.json, isv-role.cfn.yaml',
        "For the customer's administrator: customer-setup.sh (AWS CLI), customer-data-accessor.cfn.yaml, customer-values.txt",
        '',
        keyValues([
          ['Tenant ID', v.tenantId],
          ['Issuer URL', v.issuerUrl],
          ['Audience', v.audience ?? '(none yet)'],
          ['Attribute mapping', `${v.attributeMapping.claim} -> ${v.attributeMapping.identityStoreAttribute}`],
          ['Principal', v.principal],
        ]),
        ...kit.warnings.map((w) => `warning: ${w}`),
        '',
        `When the customer sends the five details back: tti-bridge tenants update ${tenant.id} --qbusiness-application-id ... --qbusiness-region ... --retriever-id ... --idc-application-arn ... --idc-region ...${tenant.roleArn ? '' : ` --role-arn ${v.principal}`}`,
      ].join('\n');
      return { data: { directory: dir, ...kit }, text };
    },
  );
}
