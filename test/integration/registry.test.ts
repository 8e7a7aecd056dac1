// Several apps on one host: every master registers itself in the registry (here a temp
// dir, through BATON_RUNTIME_DIR), `baton ls` lists them, a name (or "all") addresses
// them, a name in use refuses a second master, a SIGKILLed master's entry is cleaned
// up, and an upgrade leaves the entry naming the live master.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AppRow } from '../../src/cli/app-list.js';
import type { Entry } from '../../src/registry/entry.js';
import { Cluster, isAlive, runCli, tempDir, useFixture, waitFor } from '../support/cluster.js';
import type { CliResult } from '../support/cluster.js';
import { getJson } from '../support/http.js';

type T = { after: (fn: () => unknown) => void };

/** A host with one registry and two apps: "api" (named with --name) and "web" (its default name, from web.mjs, with a log file). */
async function twoApps(t: T) {
  const tmp = tempDir();
  t.after(tmp.remove);
  const registry = join(tmp.dir, 'registry');
  const env = { BATON_RUNTIME_DIR: registry };
  const start = async (sub: string, file: string, args: string[], log?: string) => {
    const dir = join(tmp.dir, sub);
    mkdirSync(dir);
    const cluster = Cluster.launch({ app: useFixture(dir, 'app.mjs', file), dir, workers: 1, env, args, ...(log ? { logFile: join(dir, log) } : {}) });
    t.after(() => cluster.destroy());
    await cluster.ready();
    return cluster;
  };
  const [api, web] = await Promise.all([start('a', 'server.mjs', ['--name', 'api']), start('b', 'web.mjs', ['--log-file', 'web.log'], 'web.log')]);
  const cli = (args: string[], timeoutMs = 30_000): Promise<CliResult> => runCli(args, { cwd: tmp.dir, env, timeoutMs });
  const ls = async (): Promise<AppRow[]> => {
    const result = await cli(['ls', '--json']);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as AppRow[];
  };
  const entry = (name: string): Entry | undefined => {
    const file = join(registry, `${name}.json`);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Entry) : undefined;
  };
  return { dir: tmp.dir, registry, env, api, web, cli, ls, entry };
}

const generationOf = async (cluster: Cluster) => (await getJson(await cluster.port())).generation;

test('two masters of different apps register at once; baton ls and ls --json list both with their fields', { timeout: 60_000 }, async (t) => {
  const host = await twoApps(t);
  const rows = await host.ls();
  assert.deepEqual(rows.map((r) => r.name), ['api', 'web']);
  for (const [row, cluster] of [[rows[0]!, host.api], [rows[1]!, host.web]] as const) {
    const status = await cluster.status();
    assert.equal(row.pid, cluster.pid);
    assert.equal(row.status, 'serving');
    assert.deepEqual(row.workers, { ready: 1, total: 1 });
    assert.deepEqual(row.listeners, status.listeners);
    assert.equal(row.control, cluster.control);
    assert.equal(row.cwd, cluster.options.dir);
    assert.equal(row.app, cluster.options.app);
    assert.equal(row.restarts, 0);
    assert.equal(row.generation, 1);
    assert.ok(row.memoryBytes! > status.rssBytes, 'memory adds the workers to the master');
    assert.ok(row.uptimeMs! >= 0 && typeof row.cpuPercent === 'number' && typeof row.startedAt === 'string');
  }
  assert.equal(rows[1]!.logFile, join(host.web.options.dir, 'web.log'));
  // The registry directory is private; each entry names its master's identity.
  assert.equal(statSync(host.registry).mode & 0o777, 0o700);
  assert.equal(host.entry('api')?.pid, host.api.pid);

  const table = await host.cli(['ls']);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trim().split('\n');
  assert.match(lines[0]!, /^NAME\s+PID\s+STATUS\s+WORKERS\s+MEMORY\s+CPU\s+UPTIME\s+RESTARTS\s+LISTENERS$/);
  assert.match(lines[1]!, new RegExp(`^api\\s+${host.api.pid}\\s+serving\\s+1/1\\s+`));
  assert.match(lines[2]!, new RegExp(`^web\\s+${host.web.pid}\\s+serving\\s+1/1\\s+`));
});

test('reload, status, logs and stop <name> address one app and leave the other', { timeout: 60_000 }, async (t) => {
  const host = await twoApps(t);
  const reload = await host.cli(['reload', 'api']);
  assert.equal(reload.code, 0, reload.stderr);
  assert.match(reload.stdout, /^reloaded: generation 2 serving on 1 worker /);
  assert.equal(await generationOf(host.api), '2');
  assert.equal(await generationOf(host.web), '1');

  const status = await host.cli(['status', 'web', '--json']);
  assert.equal(status.code, 0, status.stderr);
  assert.equal((JSON.parse(status.stdout) as { pid: number }).pid, host.web.pid);

  const logs = await host.cli(['logs', 'web', '-n', '50']);
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, new RegExp(`baton\\[${host.web.pid}\\] info: cluster ready`));

  const stop = await host.cli(['stop', 'web']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.equal((await host.web.exited()).code, 0);
  assert.equal(host.entry('web'), undefined, 'a master that stops removes its entry');
  assert.deepEqual((await host.ls()).map((r) => [r.name, r.status]), [['api', 'serving']]);
  assert.equal((await host.api.status()).pid, host.api.pid);
});

test('reload all reloads every app; an unknown name lists the running ones with a guess', { timeout: 60_000 }, async (t) => {
  const host = await twoApps(t);
  const all = await host.cli(['reload', 'all']);
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /^api: reloaded: generation 2 .*\nweb: reloaded: generation 2 .*\n2 of 2 apps succeeded\n$/);
  assert.equal(await generationOf(host.api), '2');
  assert.equal(await generationOf(host.web), '2');

  const typo = await host.cli(['reload', 'ap']);
  assert.equal(typo.code, 1);
  assert.match(typo.stderr, /no app named "ap" is running\. Did you mean "api"\? Running: api, web \(baton ls\)\./);
  const both = await host.cli(['reload', 'api', '--control', host.api.control]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /an app name or --control, not both/);
});

test('a second master under a name already running refuses to start, and says which master has it', { timeout: 60_000 }, async (t) => {
  const host = await twoApps(t);
  const other = join(host.dir, 'c');
  mkdirSync(other);
  const app = useFixture(other, 'app.mjs');
  const second = await runCli(['start', app, '--name', 'api', '--workers', '1', '--listen', '127.0.0.1:0', '--control', join(other, 'c.sock')], { cwd: other, env: host.env, timeoutMs: 20_000 });
  assert.equal(second.code, 1, second.stderr);
  assert.match(second.stderr, new RegExp(`an app named "api" is already running: master ${host.api.pid} \\(${host.api.options.app}, control socket ${host.api.control}\\)\\. Stop it first \\(baton stop api\\), or give this one another name with --name\\.`));
  assert.equal(existsSync(join(other, 'c.sock')), false, 'the refused master let go of its control socket');
  assert.equal(host.entry('api')?.pid, host.api.pid);
  assert.equal((await host.api.status()).pid, host.api.pid);
});

test('a master killed with SIGKILL: baton ls shows it as gone once and removes its entry', { timeout: 60_000 }, async (t) => {
  const host = await twoApps(t);
  host.api.child.kill('SIGKILL');
  await host.api.exited();
  assert.ok(host.entry('api'), 'a killed master cannot remove its own entry');

  const table = await host.cli(['ls']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, new RegExp(`^api\\s+${host.api.pid}\\s+gone\\s+`, 'm'));
  assert.match(table.stdout, new RegExp(`^api: master ${host.api.pid} is gone \\(killed, or crashed\\); its entry was removed$`, 'm'));
  assert.equal(host.entry('api'), undefined);

  const rows = await host.ls();
  assert.deepEqual(rows.map((r) => [r.name, r.status]), [['web', 'serving']]);
  const stop = await host.cli(['stop', 'api']);
  assert.equal(stop.code, 1);
  assert.match(stop.stderr, /no app named "api" is running\. Running: web/);
});

test('an upgrade leaves the entry naming the live master: the new one registers, the old one does not remove it', { timeout: 60_000 }, async (t) => {
  const host = await twoApps(t);
  const oldPid = host.api.pid;
  const upgrade = await host.cli(['upgrade', 'api']);
  assert.equal(upgrade.code, 0, upgrade.stderr);
  const newPid = Number(/→ (\d+)/.exec(upgrade.stdout)?.[1]);
  host.api.track([newPid], true);
  assert.equal(host.entry('api')?.pid, newPid, 'the successor registered when it took over');

  // The old master exits once its workers have drained; the entry still names the new one.
  await waitFor('the old master to exit', () => !isAlive(oldPid), 20_000);
  assert.equal(host.entry('api')?.pid, newPid);
  const [api] = await host.ls();
  assert.deepEqual([api!.name, api!.pid, api!.status], ['api', newPid, 'serving']);
  assert.equal(await generationOf(host.api), '2');

  const stop = await host.cli(['stop', 'api']);
  assert.equal(stop.code, 0, stop.stderr);
  await waitFor('the new master to exit', () => !isAlive(newPid), 20_000);
  assert.equal(host.entry('api'), undefined);
});
