// A master's own entry: a fresh master refuses a name a live master holds, a successor
// replaces its predecessor's entry, and a master leaving removes only an entry that
// still names it. Any other failure is logged, never thrown: the master serves on.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { MasterOptions } from '../../../src/config/options.js';
import { ensureDir } from '../../../src/registry/location.js';
import { Registration } from '../../../src/registry/registration.js';
import type { RegistrationOptions } from '../../../src/registry/registration.js';
import { Registry } from '../../../src/registry/store.js';
import { entry, fakeProcesses } from './fakes.js';

const root = mkdtempSync(join(tmpdir(), 'baton-registration-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

const options = (fields: Partial<MasterOptions> = {}) =>
  ({
    name: 'api',
    app: '/srv/api/server.js',
    appArgs: [],
    control: '/srv/api/.baton.sock',
    cwd: '/srv/api',
    nodePath: '/usr/bin/node',
    pidFile: undefined,
    logFile: '/srv/api/baton.log',
    drainTimeoutMs: 30_000,
    killTimeoutMs: 5000,
    lbGraceMs: 2000,
    source: { flags: {}, positionals: ['server.js'], appArgs: [], cwd: '/srv/api', configFile: undefined },
    ...fields,
  }) as MasterOptions;

function setup(how: Partial<RegistrationOptions> = {}, alive: Record<number, string> = {}, fields: Partial<MasterOptions> = {}) {
  const dir = join(mkdtempSync(join(root, `r${dirs++}-`)), 'baton');
  ensureDir(dir);
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(`info: ${m}`), error: (m: string) => lines.push(`error: ${m}`) };
  const processes = fakeProcesses(alive);
  const registration = new Registration(options(fields), ['127.0.0.1:3000'], log, { refuseTaken: true, env: { BATON_RUNTIME_DIR: dir }, processes, ...how });
  return { dir, registry: new Registry(dir), registration, lines, processes };
}

describe('Registration', () => {
  test('writes the entry (creating the directory) with what ls and startup need', () => {
    const { dir, registration: first } = setup();
    rmSync(dir, { recursive: true });
    first.claim();
    assert.equal(new Registry(dir).read('api')?.pid, process.pid);
    const { registry, registration, lines, processes } = setup();
    registration.claim();
    const written = registry.read('api')!;
    assert.equal(written.pid, process.pid);
    assert.equal(written.pidStart, processes.alive[process.pid]);
    assert.equal(written.bootId, 'boot-1');
    assert.deepEqual(
      { control: written.control, app: written.app, cwd: written.cwd, listeners: written.listeners, logFile: written.logFile, node: written.node, stop: written.stop },
      { control: '/srv/api/.baton.sock', app: '/srv/api/server.js', cwd: '/srv/api', listeners: ['127.0.0.1:3000'], logFile: '/srv/api/baton.log', node: '/usr/bin/node', stop: { lbGraceMs: 2000, drainTimeoutMs: 30_000, killTimeoutMs: 5000 } },
    );
    assert.match(written.baton.cli, /\/dist\/src\/cli\/baton\.cjs$/);
    assert.deepEqual(written.source?.positionals, ['server.js']);
    assert.match(lines[0]!, /^info: registered as "api" in /);
  });

  test('a fresh master refuses a name a live master holds; a dead holder is replaced', () => {
    const taken = setup({}, { 4242: '100' });
    taken.registry.claim(entry('api'), () => false);
    assert.throws(() => taken.registration.claim(), { code: 'BATON_NAME_TAKEN', message: /an app named "api" is already running: master 4242 .*--name/ });
    assert.equal(taken.registry.read('api')?.pid, 4242);

    const stale = setup({}, {});
    stale.registry.claim(entry('api'), () => false);
    stale.registration.claim();
    assert.equal(stale.registry.read('api')?.pid, process.pid);
  });

  test('a successor replaces its live predecessor; later claims never throw', () => {
    const { registry, registration } = setup({ refuseTaken: false, predecessor: 4242 }, { 4242: '100', 5000: '1' });
    registry.claim(entry('api'), () => false);
    registration.claim();
    assert.equal(registry.read('api')?.pid, process.pid);

    const other = setup({ refuseTaken: false, predecessor: 4242 }, { 5000: '1' });
    other.registry.claim(entry('api', { pid: 5000, pidStart: '1' }), () => false);
    other.registration.claim();
    assert.equal(other.registry.read('api')?.pid, 5000);
    assert.match(other.lines.at(-1)!, /^error: registry: the name "api" belongs to master 5000/);
  });

  test('release removes the entry only while it names this process', () => {
    const own = setup();
    own.registration.claim();
    own.registration.release();
    assert.equal(own.registry.read('api'), undefined);

    // After an upgrade the entry names the successor: the old master leaves it.
    const old = setup();
    old.registration.claim();
    old.registry.claim(entry('api', { pid: 6000 }), () => true);
    old.registration.release();
    assert.equal(old.registry.read('api')?.pid, 6000);
  });

  test('an unsafe registry is logged and the master goes on', () => {
    const { dir, registration, lines } = setup();
    registration.claim();
    chmodSync(dir, 0o755);
    const again = setup({ env: { BATON_RUNTIME_DIR: dir } });
    again.registration.claim();
    assert.match(again.lines[0]!, /^error: registry: the app registry .* has mode 0755; .*the master serves on, but baton ls does not list it/);
    assert.equal(lines.length, 1);
  });

  test('a master handed over by 0.1.0 has no name: it takes the default', () => {
    const { registration } = setup({}, {}, { name: undefined });
    assert.equal(registration.name, 'server');
  });
});
