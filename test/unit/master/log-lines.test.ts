// The master's log lines count workers as people read them: "1 worker", "2 workers",
// through a start, a reload and a stop (on fakes).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harness } from './fakes.js';

/** Starts, reloads and stops a master of `workers` workers; returns its info lines. */
async function lifeOf(workers: number): Promise<string[]> {
  const h = harness({ workers });
  h.readyAll();
  const reload = h.ask('reload');
  await h.flush();
  for (let i = 0; i < workers; i++) {
    h.readyAll();
    h.os.exitDrained();
    await h.flush();
  }
  await reload;
  const stop = h.ask('stop');
  h.os.exitDrained();
  await stop;
  return h.log.lines.filter((l) => l.startsWith('info: ')).map((l) => l.slice('info: '.length).replace(/ \(\d+ms\)$/, ''));
}

test('one worker is "1 worker"', async () => {
  const lines = await lifeOf(1);
  for (const line of ['cluster ready: 1 worker of generation 1', 'reload: rolling 1 worker onto generation 2, 1 at a time', 'reload: generation 2 serving on 1 worker', 'stopping: draining 1 worker']) {
    assert.ok(lines.includes(line), `${line}\n---\n${lines.join('\n')}`);
  }
  assert.ok(!lines.some((l) => /\b1 workers\b|all 1\b/.test(l)), lines.join('\n'));
});

test('several workers are "N workers"', async () => {
  const lines = await lifeOf(2);
  for (const line of ['cluster ready: 2 workers of generation 1', 'reload: rolling 2 workers onto generation 2, 1 at a time', 'reload: generation 2 serving on all 2 workers', 'stopping: draining 2 workers']) {
    assert.ok(lines.includes(line), `${line}\n---\n${lines.join('\n')}`);
  }
});

test('a stop with no worker left says so instead of "draining 0 workers"', async () => {
  const h = harness({ workers: 1 });
  h.os.live()[0]!.exit({ code: 1 });
  await h.master.finished();
  const lines = h.log.lines.filter((l) => l.startsWith('info: stopping'));
  assert.deepEqual(lines, ['info: stopping: no worker left to drain']);
});
