// Generated client ids are typed on command lines (`tti-bridge clients rotate-secret <id>`):
// one starting with '-' read as an unknown option, so a CLI test failed about once in 64 runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newClientId } from '../../src/idp/clients.js';

test('generated client ids start with a letter or digit, are unique and fit the client-id rule', () => {
  const ids = Array.from({ length: 5000 }, newClientId);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9][A-Za-z0-9_-]{15}$/);
  assert.equal(new Set(ids).size, ids.length);
});
