// baton hosts behind real load balancers (HAProxy and nginx from Debian, configured by
// examples/fleet/): rolling master upgrades and, with HAProxy's health checks, stopping
// and starting hosts in turn, all with zero failed requests; and the health endpoint's
// states, checked directly.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, Cluster, ROOT, freePort, tempDir, useFixture, waitFor } from '../support/cluster.js';
import type { ClusterOptions } from '../support/cluster.js';
import { get, getJson } from '../support/http.js';
import { describeLoad, startLoad } from '../support/load.js';
import type { Load } from '../support/load.js';
import { startHaproxy, startNginx } from '../support/proxies.js';
import type { Backend, Proxy } from '../support/proxies.js';

interface Host extends Backend {
  options: ClusterOptions;
  cluster: Cluster;
}

type Context = { after: (fn: () => unknown) => void };

/** Two baton hosts on loopback, each with its own port, health endpoint and dir. */
async function startHosts(t: Context): Promise<Host[]> {
  const hosts: Host[] = [];
  for (let i = 0; i < 2; i++) {
    const tmp = tempDir();
    t.after(tmp.remove);
    const port = await freePort();
    const healthPort = await freePort();
    const options: ClusterOptions = {
      app: useFixture(tmp.dir, 'app.mjs'),
      dir: tmp.dir,
      workers: 2,
      listen: [`127.0.0.1:${port}`],
      args: ['--health', `127.0.0.1:${healthPort}`],
    };
    const host: Host = { port, healthPort, options, cluster: await Cluster.start(options) };
    t.after(() => host.cluster.destroy());
    hosts.push(host);
  }
  return hosts;
}

function throughProxy(t: Context, proxy: Proxy): Load {
  const load = startLoad({ target: { host: '127.0.0.1', port: proxy.port }, keepAlive: 4, sparse: 4, fresh: 3, slowEvery: 5, maxDurationMs: 120_000, maxRequests: 2_000_000 });
  // Ends the load even when the test fails half-way (stop() is idempotent).
  t.after(() => load.stop());
  return load;
}

/** Two hosts behind a proxy, with load flowing through it to both. */
async function startPool(t: Context, start: (dir: string, front: number, backends: readonly Backend[]) => Promise<Proxy>) {
  const hosts = await startHosts(t);
  const tmp = tempDir();
  t.after(tmp.remove);
  const proxy = await start(tmp.dir, await freePort(), hosts);
  t.after(() => proxy.stop());
  const load = throughProxy(t, proxy);
  await servedByAll(load, hosts);
  return { hosts, proxy, load };
}

/** Waits until the load has been answered by the workers of every host. */
async function servedByAll(load: Load, hosts: readonly Host[]): Promise<void> {
  for (const host of hosts) {
    const pids = new Set((await host.cluster.status()).workers.map((w) => w.pid));
    const since = load.now();
    await waitFor(`traffic to reach host ${host.port}`, () => load.okSince(since, (s) => pids.has(s.pid ?? null)) > 10, 20_000);
  }
}

function runCommand(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function upgradeEach(hosts: readonly Host[]): Promise<void> {
  for (const host of hosts) {
    const result = await host.cluster.cli(['upgrade']);
    assert.equal(result.code, 0, `upgrade of host ${host.port}: ${result.stderr}`);
    host.cluster.track([(await host.cluster.status()).pid], true);
  }
}

/** Stops each host with --lb-grace and starts it again, waiting for traffic to return. */
async function restartEach(hosts: Host[], load: Load, grace: string): Promise<void> {
  for (const host of hosts) {
    const stop = await host.cluster.cli(['stop', '--lb-grace', grace]);
    assert.equal(stop.code, 0, stop.stderr);
    await host.cluster.exited();
    host.cluster = await Cluster.start(host.options);
    await servedByAll(load, [host]);
  }
}

test('HAProxy in front: examples/fleet/roll.sh upgrades each host in turn and no request fails', { timeout: 120_000 }, async (t) => {
  const { hosts, proxy, load } = await startPool(t, startHaproxy);

  // Hosts are named by their health port; the local runner stands in for ssh.
  const roll = await runCommand('bash', [join(ROOT, 'examples', 'fleet', 'roll.sh'), 'upgrade', ...hosts.map((h) => String(h.healthPort))], {
    ROLL_RUN: join(ROOT, 'test', 'fixtures', 'roll-local.sh'),
    BATON: `${process.execPath} ${CLI}`,
    HEALTH_URL: 'http://127.0.0.1:{host}',
    ...Object.fromEntries(hosts.map((h) => [`ROLL_CONTROL_${h.healthPort}`, h.cluster.control])),
  });
  assert.equal(roll.code, 0, roll.output);
  assert.match(roll.output, /roll: all 2 hosts done/);
  for (const host of hosts) host.cluster.track([(await host.cluster.status()).pid], true);
  await servedByAll(load, hosts);
  const report = await load.stop();
  assert.equal(report.failed, 0, `${describeLoad(report)}\n${proxy.output().slice(-2000)}`);
});

test('HAProxy in front: stopping each host with --lb-grace and starting it again fails no request', { timeout: 120_000 }, async (t) => {
  const { hosts, proxy, load } = await startPool(t, startHaproxy);

  await restartEach(hosts, load, '1500ms');
  const report = await load.stop();
  assert.equal(report.failed, 0, `${describeLoad(report)}\n${proxy.output().slice(-2000)}`);
});

test('nginx in front: a master upgrade on each host in turn fails no request; stop and start is measured', { timeout: 120_000 }, async (t) => {
  const { hosts, proxy, load } = await startPool(t, startNginx);

  await upgradeEach(hosts);
  await servedByAll(load, hosts);
  const upgrades = await load.stop();
  assert.equal(upgrades.failed, 0, `${describeLoad(upgrades)}\n${proxy.output().slice(-2000)}`);

  // nginx has no active health checks: what a stop and start costs it is measured, and
  // stated in the README, not promised.
  const measured = throughProxy(t, proxy);
  await servedByAll(measured, hosts);
  await restartEach(hosts, measured, '1500ms');
  const restarts = await measured.stop();
  t.diagnostic(`nginx, stop --lb-grace and start of each host: ${restarts.requests} requests, ${restarts.failed} failed ${JSON.stringify(restarts.failures)}`);
});

test('with --lb-grace given at start, SIGTERM first turns /healthz to 503 while the app still serves', { timeout: 30_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const healthPort = await freePort();
  const cluster = await Cluster.start({ app: useFixture(tmp.dir, 'app.mjs'), dir: tmp.dir, args: ['--health', `127.0.0.1:${healthPort}`, '--lb-grace', '2s'] });
  t.after(() => cluster.destroy());
  const port = await cluster.port();
  assert.equal((await get(healthPort, '/healthz')).status, 200);
  cluster.child.kill('SIGTERM');
  await waitFor('/healthz to say 503', async () => (await get(healthPort, '/healthz')).status === 503);
  assert.equal((await getJson(port)).status, 200, 'the app still serves during the grace period');
  assert.deepEqual(await cluster.exited(), { code: 0, signal: null });
  assert.match(cluster.output, /SIGTERM: stopping gracefully; \/healthz says 503 for 2000ms first/);
});

test('the health endpoint: 503 while starting, 200 while serving (through reloads and upgrades), 503 while leaving', { timeout: 60_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.remove);
  const healthPort = await freePort();
  const delayFile = join(tmp.dir, 'boot-delay');
  writeFileSync(delayFile, '1500');
  const options: ClusterOptions = {
    app: useFixture(tmp.dir, 'app.mjs'),
    dir: tmp.dir,
    args: ['--health', `127.0.0.1:${healthPort}`],
    env: { BOOT_DELAY_FILE: delayFile },
  };
  const starting = Cluster.start(options);
  const early = await waitFor('the health endpoint to answer during start-up', async () => {
    const [health, ready] = await Promise.all([get(healthPort, '/healthz').catch(() => undefined), get(healthPort, '/readyz').catch(() => undefined)]);
    return health && ready ? { health: health.status, ready: ready.status } : undefined;
  });
  const cluster = await starting;
  t.after(() => cluster.destroy());
  assert.deepEqual(early, { health: 503, ready: 503 }, 'not serving, not ready while the first workers start');
  writeFileSync(delayFile, '0');

  assert.equal((await get(healthPort, '/healthz')).status, 200);
  assert.equal((await get(healthPort, '/readyz')).status, 200);
  assert.equal((await get(healthPort, '/anything-else')).status, 404);
  const post = await new Promise<number>((resolve, reject) => {
    http.request({ host: '127.0.0.1', port: healthPort, path: '/healthz', method: 'POST' }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject).end();
  });
  assert.equal(post, 405);

  // Probe /healthz all through a reload and an upgrade: never anything but 200.
  const seen: Record<string, number> = {};
  let probing = true;
  const prober = (async () => {
    for (let i = 0; probing && i < 100_000; i++) {
      const status = await get(healthPort, '/healthz').then((r) => String(r.status), (err: NodeJS.ErrnoException) => err.code ?? 'error');
      seen[status] = (seen[status] ?? 0) + 1;
    }
  })();
  assert.equal((await cluster.cli(['reload'])).code, 0);
  assert.equal((await cluster.cli(['upgrade'])).code, 0);
  cluster.track([(await cluster.status()).pid], true);
  probing = false;
  await prober;
  assert.deepEqual(Object.keys(seen), ['200'], `health during reload and upgrade: ${JSON.stringify(seen)}`);

  // Leaving: 503 at once, while the app still serves for the grace period.
  const port = await cluster.port();
  const stopping = cluster.cli(['stop', '--lb-grace', '2s']);
  await waitFor('/healthz to say 503', async () => (await get(healthPort, '/healthz')).status === 503);
  assert.equal((await get(healthPort, '/readyz')).status, 503);
  assert.equal((await getJson(port)).status, 200, 'the app still serves during the grace period');
  assert.equal((await stopping).code, 0);
});
