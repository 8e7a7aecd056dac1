// Which changed paths watch mode ignores, and how a reload names what changed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeChanges, ignoredPath } from '../../../src/master/watch.js';

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

test('dot-files are ignored as dot-directories are (.env, editor swap files)', () => {
  for (const path of ['.env', 'config/.env.local', '.server.js.swp']) assert.equal(ignoredPath(path), true, path);
});

test('a reload names the changed files that still exist, not an editor temp file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-watch-'));
  try {
    const app = join(dir, 'server.js');
    writeFileSync(app, '');
    assert.equal(describeChanges([join(dir, 'sedX1b2c3'), app]), `${app} changed`);
    assert.equal(describeChanges([join(dir, 'gone.js')]), `${join(dir, 'gone.js')} changed`, 'a deleted file is still named');
    const many = ['a.js', 'b.js', 'c.js', 'd.js'].map((name) => join(dir, name));
    for (const path of many) writeFileSync(path, '');
    assert.equal(describeChanges(many), `4 files changed (${many.slice(0, 3).join(', ')}, ...)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
