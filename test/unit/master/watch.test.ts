// Which changed paths watch mode ignores.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ignoredPath } from '../../../src/master/watch.js';

test('changes in node_modules and dot-directories are ignored', () => {
  for (const path of ['node_modules/x/index.js', 'lib/node_modules/y.js', '.git/index', 'src/.cache/a', '.env.swp']) {
    assert.equal(ignoredPath(path), true, path);
  }
});

test('changes to the app are not', () => {
  for (const path of ['server.js', 'src/routes/users.ts', 'views/index.html', 'modules/a.js']) {
    assert.equal(ignoredPath(path), false, path);
  }
});
