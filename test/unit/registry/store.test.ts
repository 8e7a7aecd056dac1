// The registry's files: a free name is taken once, a taken one replaced only when the
// caller may, a removal takes only the entry it meant, and nothing half-written or
// foreign is ever read as an entry.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { verdict } from '../../../src/registry/liveness.js';
import { Registry } from '../../../src/registry/store.js';
import { entry, fakeProcesses } from './fakes.js';

const root = mkdtempSync(join(tmpdir(), 'baton-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const fresh = () => new Registry(mkdtempSync(join(root, `r${dirs++}-`)));
/** An entry as read back from its file (JSON has no undefined). */
const stored = (e: ReturnType<typeof entry>) => JSON.parse(JSON.stringify(e)) as ReturnType<typeof entry>;

describe('Registry', () => {
  test('claims a free name: one file, mode 0600, no temp file left', () => {
    const registry = fresh();
    assert.deepEqual(registry.claim(entry('api'), () => false), { ok: true });
    assert.deepEqual(readdirSync(registry.dir), ['api.json']);
    assert.equal(statSync(registry.file('api')).mode & 0o777, 0o600);
    assert.deepEqual(registry.read('api'), stored(entry('api')));
  });

  test('a taken name is refused with its holder, or replaced when the caller may', () => {
    const registry = fresh();
    registry.claim(entry('api', { pid: 1 }), () => false);
    assert.deepEqual(registry.claim(entry('api', { pid: 2 }), () => false), { ok: false, holder: stored(entry('api', { pid: 1 })) });
    assert.equal(registry.read('api')?.pid, 1);
    assert.deepEqual(registry.claim(entry('api', { pid: 2 }), (current) => current?.pid === 1), { ok: true });
    assert.equal(registry.read('api')?.pid, 2);
    assert.deepEqual(readdirSync(registry.dir), ['api.json']);
  });

  test('a garbled file is not an entry: listed as such, and replaced by a claim', () => {
    const registry = fresh();
    writeFileSync(registry.file('web'), '{"v":1,"name":"we');
    writeFileSync(join(registry.dir, '.web.1.ab.tmp'), 'half');
    assert.deepEqual(registry.list(), [{ name: 'web', file: registry.file('web'), entry: undefined }]);
    assert.deepEqual(registry.claim(entry('web'), () => false), { ok: true });
    assert.equal(registry.read('web')?.name, 'web');
  });

  test('removeIf removes only the entry the test accepts, and puts any other back', () => {
    const registry = fresh();
    registry.claim(entry('api', { pid: 7 }), () => false);
    assert.equal(registry.removeIf('api', (current) => current?.pid === 8), false);
    assert.equal(registry.read('api')?.pid, 7);
    assert.equal(registry.removeIf('api', (current) => current?.pid === 7), true);
    assert.deepEqual(readdirSync(registry.dir), []);
    assert.equal(registry.removeIf('api', () => true), false);
  });

  test('entries are listed by name', () => {
    const registry = fresh();
    for (const name of ['web', 'api', 'jobs']) registry.claim(entry(name), () => false);
    assert.deepEqual(registry.list().map((l) => l.name), ['api', 'jobs', 'web']);
  });
});

describe('verdict', () => {
  test('alive only while pid, start time and boot all match', () => {
    const processes = fakeProcesses({ 4242: '100' });
    assert.deepEqual(verdict(entry('api'), processes), { alive: true });
    assert.deepEqual(verdict(entry('api', { pid: 4243 }), processes), { alive: false, why: 'is gone (killed, or crashed)' });
    assert.deepEqual(verdict(entry('api', { pidStart: '99' }), processes), { alive: false, why: 'is gone (its pid now belongs to another process)' });
    assert.deepEqual(verdict(entry('api', { bootId: 'boot-0' }), processes), { alive: false, why: 'ran before the host rebooted' });
    assert.deepEqual(verdict(entry('api', { bootId: null }), processes), { alive: true });
  });
});
