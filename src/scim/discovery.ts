// The SCIM discovery documents (RFC 7644 §4): what this service provider supports, so a
// directory (Entra ID, Okta, a script) can check it before syncing. Only what is true here:
// no bulk, no sort, no ETags; filters as src/scim/filter.ts implements them.
import { GROUP_SCHEMA, USER_SCHEMA, type Json } from './resources.js';

export const MAX_PAGE = 200;

type Attr = Json;
const a = (
  name: string,
  type: string,
  o: Partial<{
    required: boolean;
    multiValued: boolean;
    caseExact: boolean;
    mutability: string;
    returned: string;
    uniqueness: string;
    description: string;
    subAttributes: Attr[];
  }> = {},
): Attr => ({
  name,
  type,
  multiValued: o.multiValued ?? false,
  description: o.description ?? '',
  required: o.required ?? false,
  caseExact: o.caseExact ?? false,
  mutability: o.mutability ?? 'readWrite',
  returned: o.returned ?? 'default',
  uniqueness: o.uniqueness ?? 'none',
  ...(o.subAttributes ? { subAttributes: o.subAttributes } : {}),
});

const USER_ATTRIBUTES: Attr[] = [
  a('userName', 'string', { required: true, uniqueness: 'server', description: "The user's email address: the claim Identity Center maps. Lower-cased." }),
  a('name', 'complex', { subAttributes: [a('formatted', 'string'), a('givenName', 'string'), a('familyName', 'string')] }),
  a('displayName', 'string', { description: 'Stored as name.formatted when that is absent.' }),
  a('emails', 'complex', {
    multiValued: true,
    description: 'Always the one userName address; another address is refused.',
    subAttributes: [a('value', 'string'), a('type', 'string'), a('primary', 'boolean')],
  }),
  a('active', 'boolean', { description: 'false disables the user: sign-in and broker searches are refused at once.' }),
  a('password', 'string', { mutability: 'writeOnly', returned: 'never', description: 'Optional; hashed with argon2id for local sign-in. Never returned.' }),
  a('externalId', 'string', { caseExact: true }),
  a('groups', 'complex', {
    multiValued: true,
    mutability: 'readOnly',
    subAttributes: [
      a('value', 'string', { mutability: 'readOnly' }),
      a('$ref', 'reference', { mutability: 'readOnly' }),
      a('display', 'string', { mutability: 'readOnly' }),
    ],
  }),
];

const GROUP_ATTRIBUTES: Attr[] = [
  a('displayName', 'string', { required: true, uniqueness: 'server', caseExact: true, description: 'The name carried in the groups claim of ID tokens.' }),
  a('externalId', 'string', { caseExact: true }),
  a('members', 'complex', {
    multiValued: true,
    subAttributes: [
      a('value', 'string', { mutability: 'immutable' }),
      a('$ref', 'reference', { mutability: 'immutable' }),
      a('display', 'string', { mutability: 'readOnly' }),
    ],
  }),
];

export function discovery(base: string, docsUrl: string) {
  const schema = (id: string, name: string, attributes: Attr[]) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id,
    name,
    description: `${name} as tti-bridge stores it`,
    attributes,
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${id}` },
  });
  const resourceType = (name: 'User' | 'Group', endpoint: string, schemaId: string) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id: name,
    name,
    endpoint,
    schema: schemaId,
    meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/${name}` },
  });
  return {
    serviceProviderConfig: {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      documentationUri: docsUrl,
      patch: { supported: true },
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
      filter: { supported: true, maxResults: MAX_PAGE },
      changePassword: { supported: true },
      sort: { supported: false },
      etag: { supported: false },
      authenticationSchemes: [
        {
          type: 'oauthbearertoken',
          name: 'OAuth Bearer Token',
          primary: true,
          specUri: 'https://www.rfc-editor.org/rfc/rfc6750',
          description: 'A client-credentials access token from this service\'s token endpoint, for a service client holding the "scim" scope and this tenant.',
        },
      ],
      meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
    },
    resourceTypes: [resourceType('User', '/Users', USER_SCHEMA), resourceType('Group', '/Groups', GROUP_SCHEMA)],
    schemas: [schema(USER_SCHEMA, 'User', USER_ATTRIBUTES), schema(GROUP_SCHEMA, 'Group', GROUP_ATTRIBUTES)],
  };
}
