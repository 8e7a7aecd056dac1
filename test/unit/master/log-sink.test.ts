// The log sink: text and JSON lines, append, reopen after a move, and its errors.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BatonError } from '../../../src/errors.js';
import { LogSink } from '../../../src/master/log-sink.js';

const time = new Date('2026-01-02T03:04:05.006Z');
const line = { worker: 7, pid: 4242, generation: 3, stream: 'stderr' as const, message: 'hello "world"' };

function dir(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'baton-sink-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('text lines: the master prefixed with time, pid and level; a worker with id, pid and generation; appended', (t) => {
  const file = join(dir(t), 'baton.log');
  writeFileSync(file, 'earlier\n');
  const sink = new LogSink('text', file);
  sink.master('warn', 'slot 1 backs off', time);
  sink.worker(line, time);
  sink.close();
  assert.equal(readFileSync(file, 'utf8'), `earlier\n2026-01-02T03:04:05.006Z baton[${process.pid}] warn: slot 1 backs off\n[worker 7 pid=4242 gen=3] hello "world"\n`);
});

test('json lines: one object per line with source, level or worker fields', (t) => {
  const file = join(dir(t), 'baton.log');
  const sink = new LogSink('json', file);
  sink.master('info', 'cluster ready', time);
  sink.worker({ ...line, pid: undefined }, time);
  sink.close();
  const [master, worker] = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);
  assert.deepEqual(master, { time: '2026-01-02T03:04:05.006Z', source: 'master', pid: process.pid, level: 'info', message: 'cluster ready' });
  assert.deepEqual(worker, { time: '2026-01-02T03:04:05.006Z', source: 'worker', worker: 7, pid: null, generation: 3, stream: 'stderr', message: 'hello "world"' });
});

test('reopen after the file was moved: earlier lines stay in the moved file, later ones go to a new file at the path', (t) => {
  const d = dir(t);
  const file = join(d, 'baton.log');
  const sink = new LogSink('text', file);
  t.after(() => sink.close());
  sink.worker({ ...line, message: 'before' }, time);
  renameSync(file, `${file}.1`);
  sink.worker({ ...line, message: 'between' }, time);
  sink.reopen();
  sink.worker({ ...line, message: 'after' }, time);
  assert.match(readFileSync(`${file}.1`, 'utf8'), /before\n.*between\n$/);
  assert.match(readFileSync(file, 'utf8'), /^\[worker 7 pid=4242 gen=3\] after\n$/);
});

test('a log file that cannot be opened, and a reopen without a file, are BatonErrors that say why', (t) => {
  assert.throws(() => new LogSink('text', join(dir(t), 'missing', 'baton.log')), (err: unknown) => err instanceof BatonError && err.code === 'BATON_LOG_FILE' && /ENOENT/.test(err.message));
  assert.throws(() => new LogSink('text').reopen(), (err: unknown) => err instanceof BatonError && err.code === 'BATON_NO_LOG_FILE');
});

test('a file that cannot be written: lines are dropped and counted, one warning, and writing resumes by itself', (t) => {
  const file = join(dir(t), 'baton.log');
  let full = false;
  const warnings: string[] = [];
  const write = (fd: number, buffer: Buffer, offset: number) => {
    if (full) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    return writeSync(fd, buffer, offset);
  };
  const sink = new LogSink('text', file, write, (m) => warnings.push(m));
  sink.master('info', 'before', time);
  full = true;
  for (let i = 0; i < 5; i++) sink.worker(line, time);
  assert.equal(sink.dropped, 5);
  assert.equal(warnings.length, 1, 'said once');
  assert.match(warnings[0]!, /cannot write the log file .*baton\.log: ENOSPC; the cluster keeps serving/);
  full = false;
  sink.master('info', 'after', time);
  sink.close();
  const text = readFileSync(file, 'utf8');
  assert.match(text, /info: before\n.*info: after\n.*warn: the log file can be written again; 5 lines were dropped \(ENOSPC\)\n$/s);
  assert.equal(sink.dropped, 5);
});
