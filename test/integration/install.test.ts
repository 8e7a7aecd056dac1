// baton as an app installs it: the packed package (npm pack) installed offline as a
// dependency of a fresh app, which imports baton-supervisor/worker and is run, reloaded
// and stopped with npx from its own directory.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { StatusSnapshot } from '../../src/protocol/control.js';
import { Cluster, FIXTURES } from '../support/cluster.js';
import type { CliResult } from '../support/cluster.js';
import { NPM_ENV, installPackedApp } from '../support/app-install.js';
import { getJson } from '../support/http.js';

/** Runs `npx baton <args>` in the app's directory, as a user does. */
function npx(dir: string, args: readonly string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn('npx', ['baton', ...args], { cwd: dir, env: NPM_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

test('the packed package installs offline into an app, and npx baton starts, reloads and stops it', { timeout: 180_000 }, async (t) => {
  // wait-ready.mjs imports { ready } from 'baton-supervisor/worker', as the README shows.
  const app = installPackedApp(t, { 'server.mjs': readFileSync(join(FIXTURES, 'wait-ready.mjs'), 'utf8') });
  assert.equal(app.name, 'baton-supervisor');
  const installed = join(app.dir, 'node_modules', 'baton-supervisor');
  assert.ok(existsSync(join(installed, 'dist', 'src', 'cli', 'main.js')));
  assert.ok(existsSync(join(app.dir, 'node_modules', '.bin', 'baton')), 'the package installs the baton command');

  const cluster = Cluster.launch({ app: 'server.mjs', dir: app.dir, workers: 2, args: ['--wait-ready'], command: ['npx', 'baton', 'start'], startTimeoutMs: 30_000 });
  t.after(() => cluster.destroy());
  await cluster.ready();
  const control = ['--control', cluster.control];

  const status = await npx(app.dir, ['status', '--json', ...control]);
  assert.equal(status.code, 0, status.stderr);
  const snapshot = JSON.parse(status.stdout) as StatusSnapshot;
  cluster.track([snapshot.pid], true);
  cluster.track(snapshot.workers.flatMap((w) => (w.pid === null ? [] : [w.pid])));
  assert.equal(snapshot.baton, app.version);
  assert.equal(snapshot.workers.filter((w) => w.state === 'ready').length, 2);
  // The master runs the installed package's code, not this checkout's.
  const cmdline = readFileSync(`/proc/${snapshot.pid}/cmdline`, 'utf8').split('\0');
  assert.ok(cmdline.some((arg) => arg.startsWith(join(app.dir, 'node_modules'))), cmdline.join(' '));
  const port = await cluster.port();
  assert.deepEqual([(await getJson(port)).warm, (await getJson(port)).status], [true, 200]);

  const reload = await npx(app.dir, ['reload', ...control]);
  assert.equal(reload.code, 0, reload.stderr);
  assert.match(reload.stdout, /reloaded: generation 2 serving on 2 workers/);
  for (const w of (await cluster.status()).workers) if (w.pid !== null) cluster.track([w.pid]);
  assert.equal((await getJson(port)).generation, '2');

  const stop = await npx(app.dir, ['stop', ...control]);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, new RegExp(`stopped: master ${snapshot.pid} drained its workers`));
  const exit = await cluster.exited();
  assert.equal(exit.code, 0, cluster.output);
});
