// Where the registry is, and that baton never uses a directory another user could
// read or write: a symlink, the wrong owner or a group/other bit is refused.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { checkDir, ensureDir, registryLocation } from '../../../src/registry/location.js';

const root = mkdtempSync(join(tmpdir(), 'baton-location-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('registryLocation', () => {
  test('BATON_RUNTIME_DIR alone, when set', () => {
    assert.deepEqual(registryLocation({ BATON_RUNTIME_DIR: '/x/reg', XDG_RUNTIME_DIR: '/run/user/1000' }, 1000), { dir: '/x/reg', also: [] });
  });

  test('$XDG_RUNTIME_DIR/baton, with the fallback read too', () => {
    assert.deepEqual(registryLocation({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000), { dir: '/run/user/1000/baton', also: ['/tmp/baton-1000'] });
    assert.deepEqual(registryLocation({ XDG_RUNTIME_DIR: '/run/user/0' }, 0), { dir: '/run/user/0/baton', also: ['/run/baton'] });
  });

  test('without XDG_RUNTIME_DIR (or with a relative one, which the spec says to ignore): /run/baton for root, /tmp/baton-<uid> for others', () => {
    assert.deepEqual(registryLocation({}, 0), { dir: '/run/baton', also: [] });
    assert.deepEqual(registryLocation({}, 1000), { dir: '/tmp/baton-1000', also: [] });
    assert.deepEqual(registryLocation({ XDG_RUNTIME_DIR: 'run/me' }, 1000), { dir: '/tmp/baton-1000', also: [] });
  });
});

describe('checkDir and ensureDir', () => {
  const uid = process.getuid!();

  test('ensureDir creates the directory (and its parents) with mode 0700', () => {
    const dir = join(root, 'a', 'b', 'baton');
    ensureDir(dir);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(checkDir(dir), 'ok');
    ensureDir(dir); // Idempotent.
    assert.equal(checkDir(join(root, 'missing')), 'missing');
  });

  test('a directory others may enter is refused, saying its mode', () => {
    const dir = join(root, 'open');
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(dir, 0o755);
    assert.throws(() => ensureDir(dir), { code: 'BATON_REGISTRY_UNSAFE', message: /has mode 0755; it must be 0700.*BATON_RUNTIME_DIR/ });
    assert.throws(() => checkDir(dir, true), { code: 'BATON_REGISTRY_UNSAFE' });
  });

  test('a symlink or a file is refused, even one pointing at a good directory', () => {
    const good = join(root, 'good');
    ensureDir(good);
    symlinkSync(good, join(root, 'link'));
    assert.throws(() => checkDir(join(root, 'link')), { code: 'BATON_REGISTRY_UNSAFE', message: /symbolic link/ });
  });

  test("another user's directory is refused to write; root may read it (to write that user's units)", { skip: uid !== 0 && 'needs root to chown' }, () => {
    const dir = join(root, 'theirs');
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, 65534, 65534);
    assert.throws(() => ensureDir(dir), { code: 'BATON_REGISTRY_UNSAFE', message: /belongs to uid 65534, not to you \(uid 0\)/ });
    assert.equal(checkDir(dir, true), 'ok');
    assert.throws(() => checkDir(dir, true, 1000), { code: 'BATON_REGISTRY_UNSAFE' });
  });
});
