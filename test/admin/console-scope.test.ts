// review3: the console role from a user's groups. `admin:<ADMIN_TENANT>` must grant nothing:
// an administrator of the operator tenant could reset a global administrator's password (or
// re-enable one) from the users page, and so become an administrator of every tenant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminScopeOf } from '../../src/console/auth.js';

test('admin:<operator tenant> grants no console scope; other admin:<tenant> groups still do', () => {
  assert.equal(adminScopeOf({ tenantId: 'operators', groups: ['admin:operators'] }, 'operators'), null);
  assert.deepEqual(adminScopeOf({ tenantId: 'operators', groups: ['admin:operators', 'admin:acme'] }, 'operators'), { all: false, tenants: ['acme'] });
  assert.deepEqual(adminScopeOf({ tenantId: 'operators', groups: ['admin'] }, 'operators'), { all: true, tenants: [] });
  assert.equal(adminScopeOf({ tenantId: 'acme', groups: ['admin'] }, 'operators'), null, 'other tenants never count');
});
