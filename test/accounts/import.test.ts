import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDatabase } from '../helpers/db.js';
import { createAccountService } from '../../src/accounts/accounts.js';
import { createLoginThrottle } from '../../src/accounts/throttle.js';
import { parseCsv, parseUserFile, parseUsersCsv, parseUsersJson } from '../../src/accounts/import.js';
import { fastHasher, uniqueId } from '../helpers/accounts.js';

test('CSV: quoted fields keep commas, doubled quotes and line breaks; CRLF and BOM are fine', () => {
  const text =
    '\uFEFFemail,name,groups,password\r\n' +
    'a@example.com,"Doe, Jane","eng;ops",pass-word-1\r\n' +
    '\r\n' +
    'b@example.com,"The ""Boss""","a|b | c",\r\n' +
    'c@example.com,"Multi\nLine",,"p,a""ss word"\n';
  assert.deepEqual(parseUsersCsv(text), [
    { row: 2, email: 'a@example.com', name: 'Doe, Jane', groups: ['eng', 'ops'], password: 'pass-word-1' },
    { row: 4, email: 'b@example.com', name: 'The "Boss"', groups: ['a', 'b', 'c'] },
    { row: 5, email: 'c@example.com', name: 'Multi\nLine', password: 'p,a"ss word' },
  ]);
});

test('CSV: columns may come in any order and be a subset, header case-insensitive', () => {
  assert.deepEqual(parseUsersCsv('Password,EMAIL\nsecret-pw,x@example.com'), [{ row: 2, email: 'x@example.com', password: 'secret-pw' }]);
});

test('CSV: bad header, extra fields and an unclosed quote are reported', () => {
  assert.throws(() => parseUsersCsv('mail,name\nx@example.com,X'), { code: 'import_invalid', message: /header/ });
  assert.throws(() => parseUsersCsv(''), { code: 'import_invalid', message: /empty/ });
  assert.throws(
    () => parseUsersCsv('email,name\na@example.com,A,extra\nb@example.com,B'),
    (err: any) => {
      assert.deepEqual(err.options.fields, [{ field: 'row 2', message: 'has 3 fields, the header has 2' }]);
      return true;
    },
  );
  assert.throws(() => parseCsv('email\n"a@example.com\n'), { code: 'import_invalid', message: /line 2: a quoted field is not closed/ });
});

test('JSON: an array of objects; groups as a list or a ;/| string; unknown keys reported', () => {
  assert.deepEqual(
    parseUsersJson('[{"email":"a@example.com","groups":["x"]},{"email":"b@example.com","name":"B","groups":"p;q|r","password":"long-password"}]'),
    [
      { row: 1, email: 'a@example.com', name: undefined, groups: ['x'], password: undefined },
      { row: 2, email: 'b@example.com', name: 'B', groups: ['p', 'q', 'r'], password: 'long-password' },
    ],
  );
  assert.throws(() => parseUsersJson('{"email":"a"}'), { message: /array of users/ });
  assert.throws(
    () => parseUsersJson('[1, {"email":"a@example.com","mail":"x"}]'),
    (err: any) => {
      assert.deepEqual(
        err.options.fields.map((f: any) => f.field),
        ['row 1', 'row 2.mail'],
      );
      return true;
    },
  );
  assert.throws(() => parseUsersJson('[{'), { code: 'import_invalid', message: /not valid JSON/ });
});

test('the format follows the extension, else the content', () => {
  assert.equal(parseUserFile('users.txt', '[{"email":"a@example.com"}]')[0]!.email, 'a@example.com');
  assert.equal(parseUserFile('users.txt', 'email\na@example.com')[0]!.row, 2);
});

const shared = useTestDatabase();

test('a parsed CSV imports all rows or, with a bad row, none; errors name CSV lines', async () => {
  const throttle = createLoginThrottle({ database: shared.database, maxFailuresAccount: 5, maxFailuresIp: 50, lockSeconds: 60 });
  const accounts = createAccountService({ database: shared.database, hasher: fastHasher(), throttle });
  const tenantId = uniqueId('imp');
  await shared.database.insertInto('tenants').values({ id: tenantId, name: 'Import Co', updated_at: new Date() }).execute();
  const bad = 'email,name,password\nok@example.com,"Ok, Person",long-password\n\nnot-an-email,Bad,short\n';
  await assert.rejects(accounts.importUsers(tenantId, parseUsersCsv(bad)), (err: any) => {
    assert.deepEqual(
      err.options.fields.map((f: any) => f.field),
      ['row 4.email', 'row 4.password'],
    );
    return true;
  });
  assert.deepEqual(await accounts.listUsers(tenantId), []);
  const good = 'email,name,groups,password\nok@example.com,"Ok, Person",a;b,long-password\nnopw@example.com,,,\n';
  assert.deepEqual(await accounts.importUsers(tenantId, parseUsersCsv(good)), { created: 2 });
  const users = await accounts.listUsers(tenantId);
  assert.deepEqual(
    users.map((u) => [u.email, u.name, u.groups, u.hasPassword]),
    [
      ['nopw@example.com', null, [], false],
      ['ok@example.com', 'Ok, Person', ['a', 'b'], true],
    ],
  );
  const login = await accounts.authenticate({ tenantId, email: 'nopw@example.com', password: '' });
  assert.equal(login.ok, false, 'a user without a password cannot log in');
});
