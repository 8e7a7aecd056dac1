// Bad input gets a clear error and a non-zero exit, and never harms a running cluster.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { Cluster, runCli, tempDir, useFixture, waitFor } from '../support/cluster.js';
import type { RunCliOptions } from '../support/cluster.js';
import { get } from '../support/http.js';
import { installReadableBuild } from '../support/release.js';

const NOBODY = 65534;

/** A temp dir with an app in it that an unprivileged user can read. */
function publicDir(t: { after: (fn: () => void) => void }) {
  const tmp = tempDir();
  t.after(tmp.remove);
  chmodSync(tmp.dir, 0o755);
  const app = useFixture(tmp.dir, 'app.mjs');
  chmodSync(app, 0o644);
  return { dir: tmp.dir, app };
}

/**
 * Runs the CLI as an unprivileged user when we are root (root may bind anything), from a
 * copy of the build that user can read: this checkout may be where only root can enter.
 */
function asUser(t: { after: (fn: () => void) => void }): RunCliOptions {
  if (process.getuid?.() !== 0) return {};
  return { uid: NOBODY, gid: NOBODY, cli: installReadableBuild(t).cli };
}

test('usage errors exit 2 with a message that says what to do', { timeout: 30_000 }, async (t) => {
  const { dir, app } = publicDir(t);
  const cases: Array<[string[], RegExp]> = [
    [['start', app, '--bogus'], /Unknown option '--bogus'.*baton start --help/],
    [['start', app, '--wrokers', '2'], /Unknown option '--wrokers'\. Did you mean --workers\? \(see "baton start --help"\)/],
    [['help', 'strat'], /unknown command "strat"\. Did you mean "start"\?/],
    [['frobnicate'], /unknown command "frobnicate"\. Commands: start, reload, upgrade, status, stop/],
    [['stauts'], /unknown command "stauts"\. Did you mean "status"\?/],
    [['start', join(dir, 'missing.js')], /app file not found: .*missing\.js/],
    [['start'], /missing the app to run/],
    [['start', app, '--workers', 'lots'], /invalid value "lots" for --workers/],
    [['start', app, '--listen', 'nonsense:port'], /invalid value "nonsense:port" for --listen/],
    [['start', app, '--listen', '70000'], /port from 0 \(any free port\) to 65535/],
    [['start', app, '--ready-timeout', 'soon'], /invalid value "soon" for --ready-timeout/],
    [['start', app, '--batch', '0'], /invalid value "0" for --batch/],
    [['reload', '--batch', '150%'], /invalid value "150%" for --batch/],
    [['start', app, 'extra'], /pass arguments for the app after "--"/],
  ];
  for (const [args, message] of cases) {
    const result = await runCli(args, { cwd: dir, timeoutMs: 10_000 });
    assert.equal(result.code, 2, `${args.join(' ')} → ${result.code}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
    assert.doesNotMatch(result.stderr, /internal error|\n\s+at /, 'no stack trace for a usage error');
  }
});

test('baton help <command> prints that command\'s help', { timeout: 30_000 }, async () => {
  for (const command of ['start', 'reload', 'stop']) {
    const viaHelp = await runCli(['help', command]);
    const viaFlag = await runCli([command, '--help']);
    assert.equal(viaHelp.code, 0, viaHelp.stderr);
    assert.equal(viaHelp.stdout, viaFlag.stdout);
    assert.match(viaHelp.stdout, new RegExp(`^Usage: baton ${command} `));
  }
});

test('commands with no master running say so and exit 1', { timeout: 30_000 }, async (t) => {
  const { dir } = publicDir(t);
  for (const command of ['reload', 'status', 'stop']) {
    const result = await runCli([command, '--control', join(dir, 'nobody-home.sock')], { cwd: dir });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /no baton master is running on control socket .*nobody-home\.sock \(ENOENT\)/);
  }
  const viaEnv = await runCli(['status'], { cwd: dir, env: { BATON_CONTROL: join(dir, 'env.sock') } });
  assert.match(viaEnv.stderr, /env\.sock/, 'BATON_CONTROL names the control socket');
});

test('a port in use, a privileged port and an unwritable socket path fail start with the reason', { timeout: 60_000 }, async (t) => {
  const { dir, app } = publicDir(t);
  const occupier = net.createServer();
  await new Promise<void>((resolve) => occupier.listen(0, '127.0.0.1', resolve));
  t.after(() => occupier.close());
  const port = (occupier.address() as net.AddressInfo).port;

  const inUse = await runCli(['start', app, '--listen', `127.0.0.1:${port}`, '--control', join(dir, 'a.sock')], { cwd: dir });
  assert.equal(inUse.code, 1, inUse.stderr);
  assert.match(inUse.stderr, /cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE\. Another process is listening there/);

  const user = asUser(t);
  const privileged = await runCli(['start', app, '--listen', '127.0.0.1:80', '--control', join(dir, 'b.sock')], { cwd: dir, ...user });
  assert.equal(privileged.code, 1, privileged.stderr);
  assert.match(privileged.stderr, /cannot listen on 127\.0\.0\.1:80: EACCES\. Permission denied/);

  const locked = join(dir, 'locked');
  mkdirSync(locked, { mode: 0o755 });
  const socketPath = await runCli(['start', app, '--listen', join(locked, 'app.sock'), '--control', join(dir, 'c.sock')], { cwd: dir, ...user });
  assert.equal(socketPath.code, 1, socketPath.stderr);
  assert.match(socketPath.stderr, /cannot listen on .*locked\/app\.sock: EACCES/);

  const control = await runCli(['start', app, '--listen', '127.0.0.1:0', '--control', join(locked, 'control.sock')], { cwd: dir, ...user });
  assert.equal(control.code, 1, control.stderr);
  assert.match(control.stderr, /cannot create control socket .*control\.sock: EACCES/);
});

test('an app that listens where baton was not told to fails start with a clear reason', { timeout: 30_000 }, async (t) => {
  const { dir } = publicDir(t);
  const app = useFixture(dir, 'listen-elsewhere.mjs');
  const result = await runCli(['start', app, '--listen', '127.0.0.1:0', '--control', join(dir, 'c.sock'), '--workers', '1'], { cwd: dir });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /the cluster did not start/);
  assert.match(result.stderr, /tried to listen on port 1, but baton was not told to listen there/);
  // The worker's stack is on the terminal once (its own stderr lines), not repeated by
  // the master's error line and again by the CLI's last word.
  assert.equal(result.stderr.split('\n').filter((l) => l.includes('at failListen')).length, 1, result.stderr);
  assert.match(result.stderr, /\nbaton: the cluster did not start: worker 1 \(generation 1\) exited with code 1 before it was ready \(its stderr is above, in the \[worker\] lines\)\n$/);
});

test('a running cluster survives malformed control requests, a second master and a bad reload', { timeout: 60_000 }, async (t) => {
  const { dir, app } = publicDir(t);
  const cluster = await Cluster.start({ app, dir });
  t.after(() => cluster.destroy());
  const port = await cluster.port();

  const replies = await new Promise<string[]>((resolve, reject) => {
    const socket = net.connect(cluster.control);
    let data = '';
    socket.on('data', (d) => {
      data += d;
      if (data.split('\n').length > 5) {
        socket.end();
        resolve(data.trim().split('\n'));
      }
    });
    socket.on('error', reject);
    socket.write('this is not json\n');
    socket.write('[1,2]\n');
    socket.write('{"v":99,"id":1,"cmd":"status"}\n');
    socket.write('{"v":1,"id":2,"cmd":"explode"}\n');
    socket.write('{"v":1,"id":3,"cmd":"reload","args":{"batch":7}}\n');
  });
  const parsed = replies.map((line) => JSON.parse(line) as { ok: boolean; id: number | null; error?: { code: string; message: string } });
  assert.ok(parsed.every((r) => !r.ok && r.error?.code === 'BATON_BAD_REQUEST'), JSON.stringify(parsed));
  assert.match(parsed[0]!.error!.message, /not valid JSON/);
  assert.match(parsed[2]!.error!.message, /unsupported protocol version 99/);
  assert.equal(parsed[3]!.id, 2);
  assert.match(parsed[3]!.error!.message, /unknown command "explode"/);

  const second = await runCli(['start', app, '--listen', '127.0.0.1:0', '--control', cluster.control], { cwd: dir });
  assert.equal(second.code, 1, second.stderr);
  assert.match(second.stderr, /a baton master is already running on control socket/);

  const status = await cluster.status();
  assert.equal(status.workers.filter((w) => w.state === 'ready').length, 2);
  assert.equal((await get(port)).status, 200);
  await waitFor('the control socket to still answer', async () => (await cluster.cli(['status'])).code === 0);
});
