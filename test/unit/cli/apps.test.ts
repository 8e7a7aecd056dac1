// The CLI's view of the apps on the host: entries of masters that are gone are removed
// and reported once; a name resolves to its control socket, "all" to every app, and an
// unknown name says which names exist. And `baton ls`'s rows and table.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { formatApps, goneRow, rowOf } from '../../../src/cli/app-list.js';
import { scanApps, targetOf } from '../../../src/cli/apps.js';
import type { StatusSnapshot } from '../../../src/protocol/control.js';
import { ensureDir } from '../../../src/registry/location.js';
import { Registry } from '../../../src/registry/store.js';
import { entry, fakeProcesses } from '../registry/fakes.js';

const root = mkdtempSync(join(tmpdir(), 'baton-apps-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

/** A registry holding api (alive), web (alive) and jobs (its master gone). */
function host() {
  const dir = join(root, `r${dirs++}`);
  ensureDir(dir);
  const registry = new Registry(dir);
  registry.claim(entry('api', { pid: 10, pidStart: '1' }), () => false);
  registry.claim(entry('web', { pid: 11, pidStart: '1' }), () => false);
  registry.claim(entry('jobs', { pid: 12, pidStart: '1' }), () => false);
  return { dir, registry, options: { env: { BATON_RUNTIME_DIR: dir }, processes: fakeProcesses({ 10: '1', 11: '1', 12: '2' }) } };
}

describe('scanApps and targetOf', () => {
  test('live apps by name; a gone master is removed from the registry and reported once', () => {
    const { dir, options } = host();
    const scan = scanApps(options);
    assert.deepEqual(scan.apps.map((a) => a.name), ['api', 'web']);
    assert.deepEqual(scan.gone, [{ name: 'jobs', pid: 12, why: 'is gone (its pid now belongs to another process)' }]);
    assert.deepEqual(readdirSync(dir).sort(), ['api.json', 'web.json']);
    assert.deepEqual(scanApps(options).gone, []);
  });

  test('a missing registry has no apps', () => {
    assert.deepEqual(scanApps({ env: { BATON_RUNTIME_DIR: join(root, 'none') } }).apps, []);
  });

  test('no name: --control, BATON_CONTROL or ./.baton.sock, as before names existed', () => {
    const { options } = host();
    assert.deepEqual(targetOf('reload', [], '/x.sock', options), { kind: 'one', control: '/x.sock', name: undefined, entry: undefined });
    assert.equal((targetOf('reload', [], undefined, { ...options, env: { ...options.env, BATON_CONTROL: '/y.sock' } }) as { control: string }).control, '/y.sock');
  });

  test('a name resolves to its control socket; "all" to every live app', () => {
    const { options } = host();
    const one = targetOf('reload', ['web'], undefined, options);
    assert.equal(one.kind === 'one' && one.control, '/srv/web/.baton.sock');
    const all = targetOf('reload', ['all'], undefined, options);
    assert.deepEqual(all.kind === 'all' && all.apps.map((a) => a.name), ['api', 'web']);
  });

  test('an unknown name lists the names there are, with a guess; a gone one says it is gone', () => {
    const { options } = host();
    assert.throws(() => targetOf('stop', ['wbe'], undefined, options), { code: 'BATON_UNKNOWN_APP', message: 'no app named "wbe" is running. Did you mean "web"? Running: api, web (baton ls).' });
    // The scan above removed jobs' entry: from then on it is a name like any unknown one.
    assert.throws(() => targetOf('stop', ['jobs'], undefined, options), { code: 'BATON_UNKNOWN_APP' });
    assert.throws(() => targetOf('stop', ['jobs'], undefined, host().options), { code: 'BATON_APP_GONE', message: /the app "jobs" is not running: its master 12 is gone/ });
    assert.throws(() => targetOf('stop', ['all'], undefined, { env: { BATON_RUNTIME_DIR: join(root, 'none') } }), { code: 'BATON_NO_APPS' });
  });
});

describe('baton ls rows', () => {
  const status = {
    pid: 10,
    state: 'serving',
    uptimeMs: 65_000,
    rssBytes: 50 * 1024 * 1024,
    generation: 3,
    listeners: ['127.0.0.1:3000'],
    workers: [
      { slot: 1, state: 'ready', restarts: 2, rssBytes: 30 * 1024 * 1024, cpuPercent: 1.25 },
      { slot: 1, state: 'draining', restarts: 2, rssBytes: 30 * 1024 * 1024, cpuPercent: 0 },
      { slot: 2, state: 'starting', restarts: 1, rssBytes: 20 * 1024 * 1024, cpuPercent: 3 },
    ],
  } as unknown as StatusSnapshot;
  const app = { name: 'api', dir: '/r', entry: entry('api', { pid: 10 }) };

  test('workers count slots, restarts add up per slot, memory adds the master and its workers', () => {
    const row = rowOf(app, status);
    assert.deepEqual(
      { status: row.status, pid: row.pid, workers: row.workers, memoryBytes: row.memoryBytes, cpuPercent: row.cpuPercent, restarts: row.restarts, uptimeMs: row.uptimeMs },
      { status: 'serving', pid: 10, workers: { ready: 1, total: 2 }, memoryBytes: 130 * 1024 * 1024, cpuPercent: 4.3, restarts: 3, uptimeMs: 65_000 },
    );
  });

  test('the table, then why an app is not answering or gone', () => {
    const text = formatApps([rowOf(app, status), rowOf({ ...app, name: 'web' }, new Error('timed out')), goneRow({ name: 'jobs', pid: 12, why: 'is gone (killed, or crashed)' })]);
    const lines = text.split('\n');
    assert.match(lines[0]!, /^NAME\s+PID\s+STATUS\s+WORKERS\s+MEMORY\s+CPU\s+UPTIME\s+RESTARTS\s+LISTENERS$/);
    assert.match(lines[1]!, /^api\s+10\s+serving\s+1\/2\s+130\.0MB\s+4\.3%\s+1m5s\s+3\s+127\.0\.0\.1:3000$/);
    assert.match(lines[2]!, /^web\s+10\s+not answering\s+-/);
    assert.match(lines[3]!, /^jobs\s+12\s+gone\s+-/);
    assert.equal(lines[4], 'web: timed out');
    assert.equal(lines[5], 'jobs: master 12 is gone (killed, or crashed); its entry was removed');
  });
});
