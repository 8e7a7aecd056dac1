// baton startup systemd: the unit written for a running app, checked field by field and
// by systemd-analyze verify where it is installed; and writing, enabling and removing
// user units, against a stand-in systemctl that records its arguments (nothing is ever
// enabled on the machine running the tests).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, Cluster, runCli, tempDir, useFixture } from '../support/cluster.js';

type T = { after: (fn: () => unknown) => void };

/** A registry with one app, "api", started with flags a unit must carry and arguments after "--". */
async function oneApp(t: T) {
  const tmp = tempDir();
  t.after(tmp.remove);
  const env = { BATON_RUNTIME_DIR: join(tmp.dir, 'registry') };
  const dir = join(tmp.dir, 'my app');
  mkdirSync(dir);
  const app = useFixture(dir, 'app.mjs', 'server.mjs');
  const cluster = Cluster.launch({
    app,
    dir,
    workers: 1,
    env,
    args: ['--name', 'api', '--drain-timeout', '3s', '--kill-timeout', '2s', '--lb-grace', '1s', '--node-arg=--max-old-space-size=256', '--', '--mode', 'blue 100%'],
  });
  t.after(() => cluster.destroy());
  await cluster.ready();
  return { dir: tmp.dir, appDir: dir, app, cluster, env };
}

/** The [Service] and other settings of a unit, as key → values (ExecStart may not repeat here). */
function settings(unit: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of unit.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) map.set(m[1]!, [...(map.get(m[1]!) ?? []), m[2]!]);
  }
  return map;
}

/** A bin directory with a systemctl that appends its arguments to a log and exits with $SYSTEMCTL_EXIT. */
function fakeSystemctl(dir: string): { bin: string; log: string } {
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const log = join(dir, 'systemctl.log');
  writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\necho "$@" >> "${log}"\n[ -n "$SYSTEMCTL_EXIT" ] && echo "Failed to connect to bus" >&2\nexit \${SYSTEMCTL_EXIT:-0}\n`);
  chmodSync(join(bin, 'systemctl'), 0o755);
  return { bin, log };
}

test('baton startup systemd --print: the unit of each app, field by field, and systemd-analyze verify', { timeout: 60_000 }, async (t) => {
  const { dir, appDir, app, cluster, env } = await oneApp(t);
  const printed = await runCli(['startup', 'systemd', '--print'], { cwd: dir, env });
  assert.equal(printed.code, 0, printed.stderr);
  const [header, ...rest] = printed.stdout.split('\n');
  assert.equal(header, '# /etc/systemd/system/baton-api.service');
  const unit = rest.join('\n');
  assert.equal(rest[0], '# Written by baton startup; baton unstartup removes it.');
  const s = settings(unit);
  const one = (key: string) => {
    assert.equal(s.get(key)?.length, 1, `${key} once in:\n${unit}`);
    return s.get(key)![0];
  };
  assert.equal(one('Type'), 'notify');
  assert.equal(one('NotifyAccess'), 'all');
  assert.equal(one('KillMode'), 'mixed');
  assert.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID');
  assert.equal(one('RuntimeDirectory'), 'baton-api');
  assert.equal(one('PIDFile'), '%t/baton-api/baton.pid');
  assert.equal(one('WorkingDirectory'), appDir);
  assert.equal(one('After'), 'network.target');
  assert.equal(one('WantedBy'), 'multi-user.target');
  // 1s grace + 3s drain + 2s kill, and a margin.
  assert.equal(one('TimeoutStopSec'), '11');
  assert.match(one('Description')!, /^api \(.*server\.mjs\), run by baton$/);
  // The tests run as root: a system unit for root's own apps has no User=.
  assert.equal(s.has('User'), process.getuid!() !== 0);
  const q = (path: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(path) ? path : `"${path}"`);
  assert.equal(
    one('ExecStart'),
    [
      q(process.execPath),
      q(CLI),
      'start',
      q(app),
      '--workers=1',
      '--listen=127.0.0.1:0',
      '--drain-timeout=3s',
      '--kill-timeout=2s',
      '--lb-grace=1s',
      '--node-arg=--max-old-space-size=256',
      '--name=api',
      '--control=%t/baton-api/baton.sock',
      '--pid-file=%t/baton-api/baton.pid',
      '--',
      '--mode',
      '"blue 100%%"',
    ].join(' '),
  );
  assert.equal((await cluster.status()).pid, cluster.pid, 'printing touches no running app');

  const user = await runCli(['startup', 'systemd', '--print', '--user'], { cwd: dir, env: { ...env, XDG_CONFIG_HOME: join(dir, 'config') } });
  assert.equal(user.code, 0, user.stderr);
  assert.equal(user.stdout.split('\n')[0], `# ${join(dir, 'config', 'systemd', 'user', 'baton-api.service')}`);
  assert.equal(settings(user.stdout).get('WantedBy')?.[0], 'default.target');
  assert.equal(settings(user.stdout).has('After'), false);

  const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  if (analyze.error) {
    t.diagnostic('systemd-analyze is not installed: the unit was checked field by field only');
    return;
  }
  // verify takes the unit's name from its file name.
  const file = join(dir, 'baton-api.service');
  writeFileSync(file, unit);
  const verify = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(verify.status, 0, `systemd-analyze verify:\n${verify.stdout}${verify.stderr}\n${unit}`);
});

test('startup --user writes and enables the units; unstartup disables and removes only those baton wrote', { timeout: 60_000 }, async (t) => {
  const { dir, env } = await oneApp(t);
  const { bin, log } = fakeSystemctl(dir);
  const units = join(dir, 'config', 'systemd', 'user');
  const run = (args: string[]) => runCli(args, { cwd: dir, env: { ...env, XDG_CONFIG_HOME: join(dir, 'config'), PATH: `${bin}:${process.env.PATH}` } });

  const started = await run(['startup', 'systemd', '--user']);
  assert.equal(started.code, 0, started.stderr);
  const file = join(units, 'baton-api.service');
  assert.match(started.stdout, new RegExp(`^wrote ${file}\nenabled baton-api.service: they start at boot`));
  assert.match(readFileSync(file, 'utf8'), /^# Written by baton startup; baton unstartup removes it\.\n/);
  assert.equal(readFileSync(log, 'utf8'), '--user enable baton-api.service\n');

  // Written again over its own unit; a unit written by hand is left alone.
  writeFileSync(join(units, 'baton-hand.service'), '[Service]\nExecStart=/bin/true\n');
  const again = await run(['startup', 'systemd', '--user', '--only', 'api']);
  assert.equal(again.code, 0, again.stderr);

  const removed = await run(['unstartup', '--user']);
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(removed.stdout, `removed ${file}\ndisabled baton-api.service\n`);
  assert.equal(existsSync(file), false);
  assert.equal(existsSync(join(units, 'baton-hand.service')), true);
  assert.equal(readFileSync(log, 'utf8'), '--user enable baton-api.service\n--user enable baton-api.service\n--user disable baton-api.service\n--user daemon-reload\n');

  const none = await run(['unstartup', '--user']);
  assert.equal(none.code, 0, none.stderr);
  assert.match(none.stdout, /^no unit written by baton startup in /);
});

test('where systemctl is missing or fails, the units are written and baton says so (exit 1)', { timeout: 60_000 }, async (t) => {
  const { dir, env } = await oneApp(t);
  const empty = join(dir, 'empty-bin');
  mkdirSync(empty);
  const config = join(dir, 'config');
  const file = join(config, 'systemd', 'user', 'baton-api.service');

  const missing = await runCli(['startup', 'systemd', '--user'], { cwd: dir, env: { ...env, XDG_CONFIG_HOME: config, PATH: empty } });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /the units are written but not enabled: systemctl is not installed .*Enable them with: systemctl --user enable baton-api\.service/);
  assert.ok(existsSync(file));

  const { bin } = fakeSystemctl(dir);
  const failing = await runCli(['startup', 'systemd', '--user'], { cwd: dir, env: { ...env, XDG_CONFIG_HOME: config, PATH: bin, SYSTEMCTL_EXIT: '1' } });
  assert.equal(failing.code, 1);
  assert.match(failing.stderr, /systemctl --user enable baton-api\.service failed: Failed to connect to bus/);

  // --print still prints, whatever systemctl does.
  const printed = await runCli(['startup', 'systemd', '--print', '--user'], { cwd: dir, env: { ...env, XDG_CONFIG_HOME: config, PATH: empty } });
  assert.equal(printed.code, 0, printed.stderr);
  assert.match(printed.stdout, /\nType=notify\n/);
});
