// SearchRelevantContent request constraints from the Q Business model.
import type { AttributeFilter } from './attributes.js';
import { validateFilter, type FieldProblem } from './validate-filter.js';
import { validationError } from './errors.js';

const ID36 = /^[a-zA-Z0-9][a-zA-Z0-9-]{35}$/;
const DEFAULT_MAX_RESULTS = 10;

export interface SrcInput {
  applicationId: string;
  queryText: string;
  retrieverId: string;
  attributeFilter?: AttributeFilter;
  maxResults: number;
  nextToken?: string;
}

export function validateSrc(applicationId: string, body: Record<string, unknown>): SrcInput {
  const problems: FieldProblem[] = [];
  if (!ID36.test(applicationId)) problems.push({ name: 'applicationId', message: 'must be 36 characters matching [a-zA-Z0-9][a-zA-Z0-9-]{35}' });
  const { queryText, contentSource, attributeFilter, maxResults, nextToken } = body;
  if (typeof queryText !== 'string') problems.push({ name: 'queryText', message: 'is required and must be a string' });
  const retriever = (contentSource as { retriever?: { retrieverId?: unknown } } | undefined)?.retriever;
  if (!contentSource || typeof contentSource !== 'object') problems.push({ name: 'contentSource', message: 'is required' });
  else if (!retriever || typeof retriever !== 'object')
    problems.push({ name: 'contentSource.retriever', message: 'is required (the only ContentSource member)' });
  else if (typeof retriever.retrieverId !== 'string' || !ID36.test(retriever.retrieverId)) {
    problems.push({ name: 'contentSource.retriever.retrieverId', message: 'must be 36 characters matching [a-zA-Z0-9][a-zA-Z0-9-]{35}' });
  }
  if (maxResults !== undefined && (!Number.isInteger(maxResults) || (maxResults as number) < 1 || (maxResults as number) > 100)) {
    problems.push({ name: 'maxResults', message: 'must be an integer between 1 and 100' });
  }
  if (nextToken !== undefined && (typeof nextToken !== 'string' || nextToken.length < 1 || nextToken.length > 800)) {
    problems.push({ name: 'nextToken', message: 'must be a string of 1-800 characters' });
  }
  if (attributeFilter !== undefined) problems.push(...validateFilter(attributeFilter, 'attributeFilter'));
  if (problems.length > 0) throw validationError(problems);
  return {
    applicationId,
    queryText: queryText as string,
    retrieverId: retriever?.retrieverId as string,
    ...(attributeFilter !== undefined ? { attributeFilter: attributeFilter as AttributeFilter } : {}),
    maxResults: (maxResults as number | undefined) ?? DEFAULT_MAX_RESULTS,
    ...(nextToken !== undefined ? { nextToken: nextToken as string } : {}),
  };
}
