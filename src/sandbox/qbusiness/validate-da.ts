// CreateDataAccessor request constraints from the Q Business model.
import type { ActionConfiguration } from '../state/model.js';
import { validateFilter, type FieldProblem } from './validate-filter.js';
import { validationError } from './errors.js';

const PRINCIPAL = /^arn:[a-z0-9-.]{1,63}:iam::[0-9]{12}:role\/[a-zA-Z0-9_/+=,.@-]+$/;
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/;
const TTI_ARN =
  /^arn:[a-z0-9-.]{1,63}:sso::[0-9]{12}:trustedTokenIssuer\/(sso)?ins-[a-zA-Z0-9-.]{16}\/tti-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SUPPORTED_ACTION = 'qbusiness:SearchRelevantContent';

export interface CreateInput {
  principal: string;
  displayName: string;
  actionConfigurations: ActionConfiguration[];
  authenticationType: 'AWS_IAM_IDC_TTI' | 'AWS_IAM_IDC_AUTH_CODE';
  /** AWS_IAM_IDC_TTI only. */
  trustedTokenIssuerArn?: string;
  externalId: string;
  clientToken?: string;
}

export function validateCreate(body: Record<string, unknown>): CreateInput {
  const p: FieldProblem[] = [];
  const { principal, displayName, actionConfigurations, authenticationDetail, clientToken } = body;
  if (typeof principal !== 'string' || !PRINCIPAL.test(principal) || principal.length > 1284) p.push({ name: 'principal', message: 'must be an IAM role ARN' });
  if (typeof displayName !== 'string' || !NAME.test(displayName) || displayName.length > 100) {
    p.push({ name: 'displayName', message: 'must be 1-100 characters matching [a-zA-Z0-9][a-zA-Z0-9_-]*' });
  }
  if (!Array.isArray(actionConfigurations) || actionConfigurations.length < 1 || actionConfigurations.length > 10) {
    p.push({ name: 'actionConfigurations', message: 'must list 1-10 action configurations' });
  } else {
    actionConfigurations.forEach((a: { action?: unknown; filterConfiguration?: { documentAttributeFilter?: unknown } }, i) => {
      if (a?.action !== SUPPORTED_ACTION)
        p.push({ name: `actionConfigurations[${i}].action`, message: `must be ${SUPPORTED_ACTION}, the only action data accessors support` });
      if (a?.filterConfiguration !== undefined)
        p.push(...validateFilter(a.filterConfiguration?.documentAttributeFilter, `actionConfigurations[${i}].filterConfiguration.documentAttributeFilter`));
    });
  }
  const detail = authenticationDetail as
    | {
        authenticationType?: unknown;
        authenticationConfiguration?: { idcTrustedTokenIssuerConfiguration?: { idcTrustedTokenIssuerArn?: unknown } };
        externalIds?: unknown;
      }
    | undefined;
  const ttiArn = detail?.authenticationConfiguration?.idcTrustedTokenIssuerConfiguration?.idcTrustedTokenIssuerArn;
  const externalIds = detail?.externalIds;
  const type = detail?.authenticationType;
  if (type !== 'AWS_IAM_IDC_TTI' && type !== 'AWS_IAM_IDC_AUTH_CODE') {
    p.push({ name: 'authenticationDetail.authenticationType', message: 'must be AWS_IAM_IDC_TTI or AWS_IAM_IDC_AUTH_CODE' });
  }
  if (type === 'AWS_IAM_IDC_AUTH_CODE' && detail?.authenticationConfiguration !== undefined) {
    p.push({ name: 'authenticationDetail.authenticationConfiguration', message: 'must be absent for AWS_IAM_IDC_AUTH_CODE' });
  }
  if (type !== 'AWS_IAM_IDC_AUTH_CODE' && (typeof ttiArn !== 'string' || !TTI_ARN.test(ttiArn)))
    p.push({
      name: 'authenticationDetail.authenticationConfiguration.idcTrustedTokenIssuerConfiguration.idcTrustedTokenIssuerArn',
      message: 'must be a trusted token issuer ARN',
    });
  if (
    !Array.isArray(externalIds) ||
    externalIds.length !== 1 ||
    typeof externalIds[0] !== 'string' ||
    !NAME.test(externalIds[0]) ||
    externalIds[0].length > 1000
  ) {
    p.push({ name: 'authenticationDetail.externalIds', message: 'must hold exactly one id of 1-1000 characters matching [a-zA-Z0-9][a-zA-Z0-9_-]*' });
  }
  if (clientToken !== undefined && (typeof clientToken !== 'string' || clientToken.length < 1 || clientToken.length > 100)) {
    p.push({ name: 'clientToken', message: 'must be 1-100 characters' });
  }
  if (p.length > 0) throw validationError(p);
  return {
    principal: principal as string,
    displayName: displayName as string,
    actionConfigurations: actionConfigurations as ActionConfiguration[],
    authenticationType: type as CreateInput['authenticationType'],
    ...(type === 'AWS_IAM_IDC_TTI' ? { trustedTokenIssuerArn: ttiArn as string } : {}),
    externalId: (externalIds as string[])[0] as string,
    ...(typeof clientToken === 'string' ? { clientToken } : {}),
  };
}
