// The log file: every line of every generation reaches it across reloads and a master
// upgrade (the successor opens the same file; the old master writes its draining
// workers' last lines), JSON lines parse, SIGUSR1 and `baton logs --reopen` reopen a
// moved file, and `baton logs` shows and follows it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, Cluster, isAlive, tempDir, useFixture, waitFor } from '../support/cluster.js';

const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
const count = (text: string, pattern: RegExp) => (text.match(new RegExp(pattern.source, 'g')) ?? []).length;

/** A started cluster of the chatty app logging to dir/baton.log. */
async function start(t: { after: (fn: () => unknown) => void }, args: string[] = []) {
  const tmp = tempDir();
  t.after(tmp.remove);
  const log = join(tmp.dir, 'baton.log');
  const cluster = await Cluster.start({ app: useFixture(tmp.dir, 'chatty.mjs'), dir: tmp.dir, workers: 2, args: ['--log-file', log, ...args], logFile: log });
  t.after(() => cluster.destroy());
  return { cluster, log, dir: tmp.dir };
}

async function ok(cluster: Cluster, args: string[]): Promise<string> {
  const result = await cluster.cli(args);
  assert.equal(result.code, 0, `baton ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

test('the log file holds the first and last lines of every generation across reloads and a master upgrade', { timeout: 90_000 }, async (t) => {
  const { cluster, log } = await start(t);
  const first = cluster.pid;
  await ok(cluster, ['reload']);
  await ok(cluster, ['reload']);
  await ok(cluster, ['upgrade']);
  const second = (await cluster.status()).pid;
  cluster.track([second], true);
  assert.notEqual(second, first);
  await ok(cluster, ['reload']);
  await cluster.status();
  await ok(cluster, ['stop']);
  await waitFor('the new master to exit', () => !isAlive(second), 20_000);

  const text = read(log);
  for (let generation = 1; generation <= 5; generation++) {
    const tag = `\\[worker \\d+ pid=\\d+ gen=${generation}\\] `;
    assert.equal(count(text, new RegExp(`${tag}hello from generation ${generation} `)), 2, `2 hello lines of generation ${generation}:\n${text}`);
    assert.equal(count(text, new RegExp(`${tag}goodbye from generation ${generation} `)), 2, `2 goodbye lines of generation ${generation}:\n${text}`);
  }
  assert.match(text, new RegExp(`baton\\[${first}\\] info: upgrade: master ${second} has taken over`));
  assert.match(text, new RegExp(`baton\\[${second}\\] info: master exiting`));
  assert.doesNotMatch(cluster.output, /hello from|goodbye from|baton\[/, 'nothing went to the terminal');
});

test('--log-format json writes one JSON object per line, master and worker lines alike', { timeout: 60_000 }, async (t) => {
  const { cluster, log } = await start(t, ['--log-format', 'json']);
  await ok(cluster, ['reload']);
  await waitFor('generation 1 to say goodbye', () => count(read(log), /goodbye from generation 1 /) === 2);

  const records = read(log)
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const r of records) {
    assert.ok(typeof r.time === 'string' && !Number.isNaN(Date.parse(r.time)), JSON.stringify(r));
    assert.ok(typeof r.message === 'string', JSON.stringify(r));
  }
  const master = records.filter((r) => r.source === 'master');
  assert.ok(master.some((r) => r.level === 'info' && r.pid === cluster.pid && /cluster ready/.test(r.message as string)));
  const hello = records.filter((r) => r.source === 'worker' && /^hello from generation 2 /.test(r.message as string));
  assert.equal(hello.length, 2);
  for (const r of hello) {
    assert.equal(r.stream, 'stdout');
    assert.equal(r.generation, 2);
    assert.ok(Number.isInteger(r.worker) && Number.isInteger(r.pid), JSON.stringify(r));
    assert.equal(r.message, `hello from generation 2 pid ${r.pid}`);
  }
  const goodbye = records.filter((r) => r.source === 'worker' && /^goodbye from generation 1 /.test(r.message as string));
  assert.deepEqual(goodbye.map((r) => [r.stream, r.generation]), [['stderr', 1], ['stderr', 1]]);
});

for (const how of ['SIGUSR1', 'baton logs --reopen'] as const) {
  test(`${how} reopens a log file that was moved: new lines go to a new file at the path`, { timeout: 60_000 }, async (t) => {
    const { cluster, log } = await start(t);
    renameSync(log, `${log}.1`);
    if (how === 'SIGUSR1') cluster.child.kill('SIGUSR1');
    else assert.match(await ok(cluster, ['logs', '--reopen']), new RegExp(`reopened: master ${cluster.pid} writes to ${log}`));
    await waitFor('a new log file at the path', () => read(log).includes('reopened the log file'));
    await ok(cluster, ['reload']);

    const [now, old] = [read(log), read(`${log}.1`)];
    assert.equal(count(now, /hello from generation 2 /), 2, now);
    assert.equal(count(old, /hello from generation 2 /), 0, old);
    assert.equal(count(old, /hello from generation 1 /), 2, old);
    assert.match(old, /cluster ready/);
  });
}

test('baton logs -n 5 prints the last 5 lines; it says so when the master logs to the terminal', { timeout: 60_000 }, async (t) => {
  const { cluster, log } = await start(t);
  await ok(cluster, ['reload']);
  const shown = await ok(cluster, ['logs', '-n', '5']);
  const lines = shown.split('\n').slice(0, -1);
  assert.equal(lines.length, 5, shown);
  const file = read(log).split('\n').slice(0, -1);
  // The file may have grown since (a goodbye line): the shown lines are 5 in a row from it.
  const at = file.indexOf(lines[0]!);
  assert.ok(at !== -1, shown);
  assert.deepEqual(file.slice(at, at + 5), lines);
  assert.equal((await ok(cluster, ['logs'])).split('\n').length - 1, 20);

  const tmp = tempDir();
  t.after(tmp.remove);
  const plain = await Cluster.start({ app: useFixture(tmp.dir, 'chatty.mjs'), dir: tmp.dir, workers: 1 });
  t.after(() => plain.destroy());
  const result = await plain.cli(['logs']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /the master logs to the terminal, not to a file/);
});

test('baton logs -f shows lines written after it started, across a rotation and a master upgrade', { timeout: 90_000 }, async (t) => {
  const { cluster, log, dir } = await start(t);
  const follower = spawn(process.execPath, [CLI, 'logs', '-f', '-n', '1', '--control', cluster.control], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    follower.kill('SIGKILL');
  });
  let seen = '';
  follower.stdout.on('data', (d: Buffer) => (seen += d));
  follower.stderr.on('data', (d: Buffer) => (seen += d));
  await waitFor('the follower to print the last line', () => seen.includes('\n'));

  await ok(cluster, ['reload']);
  await waitFor(`generation 2 in the follower's output:\n${seen}`, () => count(seen, /hello from generation 2 /) === 2);

  renameSync(log, `${log}.1`);
  await ok(cluster, ['logs', '--reopen']);
  await ok(cluster, ['reload']);
  await waitFor(`generation 3 after the rotation:\n${seen}`, () => count(seen, /hello from generation 3 /) === 2);

  await ok(cluster, ['upgrade']);
  cluster.track([(await cluster.status()).pid], true);
  await waitFor(`the new master's workers:\n${seen}`, () => count(seen, /hello from generation 4 /) === 2 && count(seen, /goodbye from generation 3 /) === 2);
  assert.equal(count(seen, /hello from generation 1 /), 0, 'only the last line before it started');

  follower.kill('SIGINT');
  const code = await new Promise((resolve) => follower.once('exit', (c) => resolve(c)));
  assert.equal(code, 0, 'Ctrl-C ends it cleanly');
});
