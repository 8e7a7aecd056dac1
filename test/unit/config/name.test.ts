// App names: one safe word (a file name and a systemd unit name), never "all", and by
// default the script's file name without its extension.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultAppName, nameProblem, parseAppName } from '../../../src/config/name.js';

describe('app names', () => {
  test('the default is the script file name without its extension, as PM2 has it', () => {
    assert.equal(defaultAppName('/srv/api/server.js'), 'server');
    assert.equal(defaultAppName('/srv/api/api.mjs'), 'api');
    assert.equal(defaultAppName('/srv/x/app.config.cjs'), 'app.config');
    assert.equal(defaultAppName('/srv/x/worker'), 'worker');
  });

  test('a default name holds only safe characters, and is never "all" or empty', () => {
    assert.equal(defaultAppName('/srv/my app (2).js'), 'my-app-2-');
    assert.equal(defaultAppName('/srv/.hidden.js'), 'hidden');
    assert.equal(defaultAppName('/srv/all.js'), 'app');
    assert.equal(defaultAppName('/srv/ü.js'), 'app');
    assert.equal(nameProblem(defaultAppName('/srv/' + 'x'.repeat(100) + '.js')), undefined);
  });

  test('--name is checked: one word of letters, digits, ".", "_", "-"; not "all"', () => {
    assert.equal(parseAppName('billing-api_2.v1', '/a.js'), 'billing-api_2.v1');
    assert.equal(parseAppName(undefined, '/srv/web.js'), 'web');
    for (const bad of ['', 'all', 'a b', '../x', '.hidden', '-x', 'a/b', 'x'.repeat(65)]) {
      assert.throws(() => parseAppName(bad, '/a.js'), { code: 'BATON_INVALID_OPTION', message: /for --name/ }, JSON.stringify(bad));
    }
    assert.throws(() => parseAppName('all', '/a.js', '"name" in /c.json'), { message: /"all" addresses every app.*/ });
  });
});
