// /proc, read in one place: the stat line (with a command name that holds spaces and
// parentheses), identities that survive pid reuse, and TERM → KILL by identity.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { identify, isAlive, parseStat, processGroup, readStat, stillAlive, terminate } from '../../src/procfs.js';

const LINUX = process.platform === 'linux';

describe('parseStat', () => {
  test('counts fields from the last parenthesis', () => {
    const line = '4242 (node (my) app) S 1 4240 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 11 0 987654 1000000 5000 18446744073709551615';
    assert.deepEqual(parseStat(line), { state: 'S', ppid: 1, pgrp: 4240, start: '987654', utime: 250, stime: 75 });
  });

  test('is undefined for a line it cannot read', () => {
    assert.equal(parseStat('garbage'), undefined);
    assert.equal(parseStat('1 (x) S 1'), undefined);
  });
});

describe('live processes', { skip: !LINUX && 'needs Linux /proc' }, () => {
  test('this process is alive and has a stable identity', () => {
    assert.equal(isAlive(process.pid), true);
    assert.deepEqual(identify(process.pid), identify(process.pid));
    assert.equal(readStat(process.pid)?.ppid, process.ppid);
    assert.equal(readStat(2 ** 22 + 1), undefined);
  });

  test('a process group lists the processes that share it, not those with a group of their own', async () => {
    const same = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const apart = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore', detached: true });
    try {
      const members = processGroup(readStat(process.pid)!.pgrp).map((p) => p.pid);
      assert.ok(members.includes(process.pid) && members.includes(same.pid!), members.join(' '));
      assert.ok(!members.includes(apart.pid!));
    } finally {
      same.kill('SIGKILL');
      apart.kill('SIGKILL');
    }
  });

  test('terminate sends TERM, and KILL to a process that ignores it', async () => {
    const child = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); console.log('up')"], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((resolve) => child.stdout.once('data', resolve));
    const proc = identify(child.pid!)!;
    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    assert.equal(await terminate([proc], 300), 'SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    assert.equal(stillAlive(proc), false);
  });

  test('a process that honours TERM ends with TERM', async () => {
    const child = spawn(process.execPath, ['-e', "setInterval(() => {}, 1000); console.log('up')"], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((resolve) => child.stdout.once('data', resolve));
    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    assert.equal(await terminate([identify(child.pid!)!], 5000), 'SIGTERM');
    assert.equal(await exited, 'SIGTERM');
  });

  test('an identity whose start time differs (a reused pid) is never signalled', async () => {
    const fake = { pid: process.pid, start: 'not-this-one' };
    assert.equal(stillAlive(fake), false);
    assert.equal(await terminate([fake], 10), 'SIGTERM');
    assert.equal(isAlive(process.pid), true);
  });
});
