// baton as an app installs it: the packed package (npm pack) installed offline as a
// dependency of a fresh app, which imports baton-supervisor/worker and is run, reloaded
// and stopped with npx from its own directory; and the API, with its types, as an app
// written in TypeScript imports it.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { StatusSnapshot } from '../../src/protocol/control.js';
import { Cluster, FIXTURES, ROOT } from '../support/cluster.js';
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

test('the packed package exports the typed API: a TypeScript app type-checks against it, and it runs', { timeout: 180_000 }, async (t) => {
  const declarations = join(ROOT, 'dist', 'src', 'api', 'index.d.ts');
  assert.ok(existsSync(declarations), `${declarations} is missing: build with "npm run build", which also writes the API's declarations`);
  const app = installPackedApp(t, {
    'consumer.ts': CONSUMER,
    'run.mjs': `import { BatonError, connect } from 'baton-supervisor';\nconnect({ control: './none.sock' }).status().catch((err) => console.log(err instanceof BatonError ? err.code : String(err)));\n`,
  });
  const tsc = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules', '@types'), 'consumer.ts'],
    { cwd: app.dir, encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(tsc.status, 0, `tsc: ${tsc.stdout}${tsc.stderr}`);
  const run = spawnSync(process.execPath, ['run.mjs'], { cwd: app.dir, encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.stdout.trim(), 'BATON_NO_MASTER', run.stderr);
});

/** An app's TypeScript using the API as the README shows it; each @ts-expect-error must be an error. */
const CONSUMER = `import { BatonError, connect, start } from 'baton-supervisor';
import type { StartOptions, StatusSnapshot } from 'baton-supervisor';
import { ready } from 'baton-supervisor/worker';

const options: StartOptions = { script: 'server.js', workers: 'max', listen: ['127.0.0.1:3000'], env: { NODE_ENV: 'production' }, waitReady: true, drainTimeout: '10s' };
// @ts-expect-error workers is a count or "max", not a boolean
const wrong: StartOptions = { workers: true };
// @ts-expect-error no such setting
const typo: StartOptions = { wrokers: 2 };

async function main(): Promise<number> {
  const master = await start(options);
  const status: StatusSnapshot = await master.status();
  const reloaded = await master.reload({ batch: '25%', waitDrained: true });
  const upgraded = await master.upgrade({ node: '/opt/node-22/bin/node' });
  await connect({ control: master.control }).stop({ lbGrace: '5s' });
  // @ts-expect-error the registry's client lists masters; it reloads none
  await connect().reload();
  const names: string[] = (await connect().list()).map((m) => m.name);
  ready();
  return status.workers.length + reloaded.generation + upgraded.pid + names.length;
}

main().catch((err: unknown) => {
  if (err instanceof BatonError) console.error(err.code, err.message);
});
void wrong;
void typo;
`;
