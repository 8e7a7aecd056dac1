// Daemon mode: `baton start --daemon` returns once the cluster is ready (or with the
// reason it failed), the pid file names the detached master, `baton stop` stops it, and
// `baton stop --force` ends a master whose graceful stop cannot finish.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { StatusSnapshot } from '../../src/protocol/control.js';
import { delay, isAlive, runCli, tempDir, useFixture, waitFor } from '../support/cluster.js';
import { get } from '../support/http.js';

/** A daemon's directory and teardown: every pid it ever showed gets SIGKILL. */
function daemonDir(t: { after: (fn: () => unknown) => void }) {
  const tmp = tempDir();
  const pids = new Set<number>();
  t.after(async () => {
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 5_000;
    while ([...pids].some(isAlive) && Date.now() < deadline) await delay(50);
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    tmp.remove();
  });
  const control = join(tmp.dir, 'control.sock');
  const cli = (args: string[], timeoutMs = 60_000) => runCli([...args, '--control', control], { cwd: tmp.dir, timeoutMs });
  const status = async () => {
    const result = await cli(['status', '--json'], 10_000);
    assert.equal(result.code, 0, result.stderr);
    const snapshot = JSON.parse(result.stdout) as StatusSnapshot;
    pids.add(snapshot.pid);
    for (const w of snapshot.workers) if (w.pid !== null) pids.add(w.pid);
    return snapshot;
  };
  return { dir: tmp.dir, control, cli, status, track: (pid: number) => pids.add(pid) };
}

const portOf = (status: StatusSnapshot) => Number(status.listeners[0]!.split(':').pop());

test('start --daemon returns once ready; the pid file names the detached master; baton stop stops it', { timeout: 60_000 }, async (t) => {
  const d = daemonDir(t);
  const app = useFixture(d.dir, 'chatty.mjs');
  const started = await d.cli(['start', app, '--daemon', '--workers', '2', '--listen', '127.0.0.1:0']);
  const pid = Number(/started: master (\d+) is ready/.exec(started.stdout)?.[1]);
  if (pid) d.track(pid);
  assert.equal(started.code, 0, started.stderr);
  assert.ok(pid > 0, started.stdout);

  const pidFile = join(d.dir, 'baton.pid');
  const logFile = join(d.dir, 'baton.log');
  assert.equal(readFileSync(pidFile, 'utf8').trim(), String(pid));
  assert.ok(isAlive(pid));
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  assert.equal(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3], String(pid), 'the daemon leads its own session');
  const status = await d.status();
  assert.equal(status.pid, pid);
  assert.equal(status.workers.filter((w) => w.state === 'ready').length, 2);
  assert.equal((await get(portOf(status), '/')).status, 200);
  const log = readFileSync(logFile, 'utf8');
  assert.match(log, new RegExp(`baton\\[${pid}\\] info: cluster ready`));
  assert.equal((log.match(/hello from generation 1 /g) ?? []).length, 2);

  const stop = await d.cli(['stop']);
  assert.equal(stop.code, 0, stop.stderr);
  await waitFor('the daemon to exit', () => !isAlive(pid));
  await waitFor('the pid file to be removed', () => !existsSync(pidFile));
  for (const w of status.workers) assert.ok(!isAlive(w.pid!), `worker ${w.pid} is gone`);
  assert.match(readFileSync(logFile, 'utf8'), /master exiting/);
});

test('start --daemon of an app that throws at boot exits non-zero with the reason from the log', { timeout: 60_000 }, async (t) => {
  const d = daemonDir(t);
  const app = useFixture(d.dir, 'crash-on-boot.mjs');
  const started = await d.cli(['start', app, '--daemon', '--workers', '2', '--listen', '127.0.0.1:0', '--log-file', 'app.log']);
  const pid = Number(/daemon \(pid (\d+)\)/.exec(started.stderr)?.[1]);
  if (pid) d.track(pid);
  assert.equal(started.code, 1, started.stdout + started.stderr);
  assert.match(started.stderr, /the daemon \(pid \d+\) exited with code 1 before its cluster was ready/);
  assert.match(started.stderr, /Its log \(.*app\.log\) says:/);
  assert.match(started.stderr, /the cluster did not start/);
  assert.match(started.stderr, /boom: DATABASE_URL is not set/);
  assert.ok(!isAlive(pid), 'the failed daemon is gone');
  assert.ok(!existsSync(join(d.dir, 'baton.pid')), 'no pid file is left');
});

test('stop --force ends a master whose graceful stop cannot finish: SIGTERM, SIGKILL, then its workers', { timeout: 60_000 }, async (t) => {
  const d = daemonDir(t);
  const app = useFixture(d.dir, 'ignores-sigterm.mjs');
  const started = await d.cli(['start', app, '--daemon', '--workers', '1', '--listen', '127.0.0.1:0', '--drain-timeout', '60s']);
  assert.equal(started.code, 0, started.stderr);
  const status = await d.status();
  const worker = status.workers[0]!.pid!;
  const port = portOf(status);
  const hung = get(port, '/hang').catch((err: Error) => err);
  // One worker accepts in order: once a later connection is answered, /hang was accepted.
  assert.equal((await get(port, '/')).status, 200);

  const began = Date.now();
  const stop = await d.cli(['stop', '--force', '--timeout', '1s', '--kill-timeout', '1s']);
  const took = Date.now() - began;
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, new RegExp(`stopped: master ${status.pid} did not stop within 1000ms; ended it with SIGKILL, then the worker it left running with SIG(TERM|KILL)`));
  assert.ok(!isAlive(status.pid) && !isAlive(worker), 'master and worker are gone');
  assert.ok((await hung) instanceof Error, 'the request that never ended was cut');
  assert.ok(took < 15_000, `escalation is bounded by its deadlines (took ${took}ms)`);
  assert.ok(!existsSync(join(d.dir, 'baton.pid')), 'the dead master’s pid file is removed');
  assert.ok(!existsSync(d.control), 'and its control socket');
});

test('stop --force goes by the pid file when the master does not answer on its control socket', { timeout: 60_000 }, async (t) => {
  const d = daemonDir(t);
  const app = useFixture(d.dir, 'chatty.mjs');
  const started = await d.cli(['start', app, '--daemon', '--workers', '1', '--listen', '127.0.0.1:0']);
  assert.equal(started.code, 0, started.stderr);
  const status = await d.status();
  // A stopped process neither answers nor handles SIGTERM; only SIGKILL ends it.
  process.kill(status.pid, 'SIGSTOP');
  const stop = await d.cli(['stop', '--force', '--kill-timeout', '500ms']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, new RegExp(`master ${status.pid} does not answer on its control socket; ended it with SIGKILL`));
  assert.ok(!isAlive(status.pid));
  await waitFor('its worker to be gone', () => !isAlive(status.workers[0]!.pid!));
});

test('stop --force refuses a pid file that names a process other than a baton master', { timeout: 30_000 }, async (t) => {
  const d = daemonDir(t);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(d.dir, 'other.pid'), `${process.pid}\n`);
  const stop = await d.cli(['stop', '--force', '--pid-file', 'other.pid']);
  assert.equal(stop.code, 1, stop.stdout);
  assert.match(stop.stderr, new RegExp(`process ${process.pid} is not a baton master`));
});
