// The warm-up hold on its own: which old workers serve on beside a warming successor,
// for how long, what is said about it (once per worker), and that a stop cancels it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Slot, Worker } from '../../../src/master/cluster-model.js';
import { Logger } from '../../../src/master/log.js';
import { WarmUpHold } from '../../../src/master/warm-up.js';
import { FakeOs, MemorySink } from './fakes.js';

const WARM_UP_MS = 3000;

function setup(warmUpMs = WARM_UP_MS) {
  const os = new FakeOs();
  const sink = new MemorySink();
  let wakes = 0;
  let setting = warmUpMs;
  const hold = new WarmUpHold(() => setting, os, new Logger(sink), () => wakes++);
  const slot = { index: 1 } as Slot;
  const worker = (id: number, connections: number, upgraded = 0, readyAt?: number) =>
    ({ id, slot, readyAt, routed: 0, stats: { connections, upgraded, requests: 0, at: os.now() } }) as unknown as Worker;
  return { os, sink, hold, slot, worker, wakes: () => wakes, setWarmUp: (ms: number) => (setting = ms) };
}

test('an old worker with connections is held until its successor has warmed up, then the loop is woken once', () => {
  const { os, sink, hold, slot, worker, wakes } = setup();
  const old = worker(1, 5);
  const heir = worker(3, 0, 0, os.now());
  assert.equal(hold.keep(slot, old, heir), true);
  assert.equal(hold.holds(old), true);
  assert.equal(hold.any([heir, old]), true);
  assert.deepEqual(sink.lines, ['info: slot 1: worker 1 serves its 5 connections on while worker 3 warms up; it drains in 3000ms (--warm-up)']);

  os.advance(1000);
  assert.equal(hold.keep(slot, old, heir), true, 'still warming');
  assert.equal(wakes(), 0);
  os.advance(2000);
  assert.equal(wakes(), 1, 'woken when the warm-up is over');
  assert.equal(hold.keep(slot, old, heir), false, 'then it drains');
  assert.equal(hold.holds(old), false);
  assert.equal(hold.any([heir, old]), false);
  assert.equal(sink.lines.length, 1, 'said once');
});

test('a worker released and held again (waiting for --max-draining meanwhile) is said to serve on only once', () => {
  const { os, sink, hold, slot, worker } = setup();
  const old = worker(1, 5);
  const heir = worker(3, 0, 0, os.now());
  assert.equal(hold.keep(slot, old, heir), true);
  hold.release(old);
  assert.equal(hold.holds(old), false, 'released: not held, so a rollout does not count it as leaving');
  os.advance(500);
  assert.equal(hold.keep(slot, old, heir), true);
  assert.equal(hold.holds(old), true);
  assert.equal(sink.lines.length, 1, sink.lines.join('\n'));
});

test('no hold with --warm-up 0, without connections but WebSockets, or before the successor is ready', () => {
  const off = setup(0);
  assert.equal(off.hold.keep(off.slot, off.worker(1, 5), off.worker(3, 0, 0, off.os.now())), false);
  const ws = setup();
  assert.equal(ws.hold.keep(ws.slot, ws.worker(1, 4, 4), ws.worker(3, 0, 0, ws.os.now())), false, 'only upgraded connections: they move at the drain hook');
  const cold = setup();
  assert.equal(cold.hold.keep(cold.slot, cold.worker(1, 5), cold.worker(3, 0)), false, 'a successor that has not become ready');
  assert.equal(cold.hold.keep(cold.slot, cold.worker(1, 5), undefined), false, 'no successor');
  for (const h of [off, ws, cold]) assert.deepEqual(h.sink.lines, []);
});

test('--warm-up is read at each decision, and a stop cancels the wake-up', () => {
  const { os, hold, slot, worker, wakes, setWarmUp } = setup();
  const old = worker(1, 5);
  const heir = worker(3, 0, 0, os.now());
  assert.equal(hold.keep(slot, old, heir), true);
  hold.cancel();
  os.advance(WARM_UP_MS * 2);
  assert.equal(wakes(), 0, 'cancelled');
  setWarmUp(10 * WARM_UP_MS);
  assert.equal(hold.keep(slot, old, heir), true, 'a longer --warm-up from a reload holds it again');
  setWarmUp(0);
  assert.equal(hold.keep(slot, old, heir), false);
});
