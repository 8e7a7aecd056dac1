// Where a moved connection goes: the ready worker with the fewest connections (as last
// reported, plus what the master has routed since), of the newest generation for a
// draining worker's; a fresh connection shed by a busy worker goes to anyone else, and
// back to its own worker when there is no other, or when the count it sends with it
// shows it is the least loaded after all.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HandoffRouter, load, span, weight } from '../../../src/master/handoff.js';
import type { RoutableWorker } from '../../../src/master/handoff.js';
import type { MasterMessage } from '../../../src/protocol/worker.js';

function worker(name: string, connections: number, generation = 1, state: RoutableWorker['state'] = 'ready', readyAt?: number) {
  const got: string[] = [];
  const w: RoutableWorker & { name: string; got: string[] } = {
    name,
    got,
    generation,
    state,
    stats: { connections },
    routed: 0,
    adoptsSent: 0,
    readyAt,
    proc: { send: (m: MasterMessage, _h?: object, done?: (sent: boolean) => void) => (got.push(m.type), done?.(true)) },
  };
  return w;
}
const handle = () => ({ close: () => {} });

test('a burst of shed connections spreads over the others by count, never back to the busy one', () => {
  const router = new HandoffRouter();
  const busy = worker('busy', 2);
  const others = [worker('a', 0), worker('b', 0), worker('c', 0)];
  const all = [busy, ...others];
  for (let i = 0; i < 30; i++) router.route(all, busy, 'k', 0, handle(), true);
  assert.deepEqual(others.map((w) => w.got.length), [10, 10, 10]);
  assert.equal(busy.got.length, 0);
  assert.equal(busy.routed, 0, 'a shed connection was never counted by its worker');
  assert.deepEqual(others.map(load), [10, 10, 10]);
});

test('a burst the kernel gives to one worker spreads evenly when workers say what they hold', () => {
  // The workers' share is reckoned from the last reports (0 connections): each sheds
  // nearly everything. With only the stale reports the master would send it all to the
  // other worker; with each worker's own count it evens out, even while the connections
  // it sends back are still on their way (the worker's count does not show them yet).
  const router = new HandoffRouter();
  const lucky = worker('lucky', 0);
  const other = worker('other', 0);
  const state = new Map([lucky, other].map((w) => [w, { held: 0, adopted: 0 }]));
  const deliver = () => {
    for (const [w, s] of state) {
      const arrived = w.got.length - s.adopted;
      s.adopted += arrived;
      s.held += arrived;
    }
  };
  for (let i = 0; i < 40; i++) {
    const s = state.get(lucky)!;
    // Stale share 0, slack 2: the first two are kept, the rest shed with the worker's count.
    if (s.held < 2) s.held++;
    else router.route([lucky, other], lucky, 'k', 0, handle(), true, { held: s.held, adopted: s.adopted });
    // Adopts arrive in batches, behind the sheds.
    if (i % 20 === 19) deliver();
  }
  deliver();
  const [a, b] = [state.get(lucky)!.held, state.get(other)!.held];
  assert.equal(a + b, 40);
  assert.ok(Math.abs(a - b) <= 2, `lucky ${a}, other ${b}`);
});

test('a shed connection goes back to its worker when it is the only one ready', () => {
  const router = new HandoffRouter();
  const only = worker('only', 5);
  const starting = worker('new', 0, 1, 'starting');
  router.route([only, starting], only, 'k', 0, handle(), true);
  assert.deepEqual(only.got, ['adopt']);
});

test('a draining worker\'s idle connections go to the least loaded of the newest generation', () => {
  const router = new HandoffRouter();
  const draining = worker('old', 6, 1, 'draining');
  const old = worker('old-ready', 0, 1);
  const fresh = [worker('n1', 4, 2), worker('n2', 1, 2)];
  for (let i = 0; i < 5; i++) router.route([draining, old, ...fresh], draining, 'k', 0, handle());
  assert.equal(old.got.length, 0, 'not to an older generation');
  assert.deepEqual(fresh.map((w) => w.got.length), [1, 4], 'the least loaded first, until they are even');
  assert.equal(draining.routed, -5, 'what it hands on no longer counts as its');
});

test('with nobody to take it, a draining worker\'s connection goes to the other master, or is closed', () => {
  const router = new HandoffRouter();
  const draining = worker('old', 1, 1, 'draining');
  let closed = false;
  router.route([draining], draining, 'k', 0, { close: () => (closed = true) });
  assert.equal(closed, true);
  const sent: Array<() => void> = [];
  let written = 0;
  router.onWritten = () => written++;
  router.external = (_key, _hops, _handle, done) => sent.push(done);
  router.route([draining], draining, 'k2', 0, handle());
  router.route([draining], draining, 'k3', 0, handle());
  assert.equal(router.inFlight, 2, 'the master may not exit while these are unwritten');
  sent[0]!();
  assert.equal(written, 0);
  sent[1]!();
  assert.equal(router.inFlight, 0);
  assert.equal(written, 1, 'told once the last one is written');
});

test('a worker that has just become ready fills up more slowly while it warms up', () => {
  let now = 10_000;
  const router = new HandoffRouter(() => now, () => 3000);
  const warm = worker('warm', 0, 2, 'ready', 0);
  const cold = worker('cold', 0, 2, 'ready', now);
  const draining = worker('old', 20, 1, 'draining');
  for (let i = 0; i < 20; i++) router.route([draining, warm, cold], draining, 'k', 0, handle());
  assert.ok(cold.got.length <= 6 && warm.got.length >= 14, `cold ${cold.got.length}, warm ${warm.got.length}`);
  assert.equal(weight(cold, now, 3000), 0.25);
  assert.equal(weight(cold, now, 0), 1, '--warm-up 0: a full share at once');
  now += 3000;
  assert.equal(weight(cold, now, 3000), 1, 'warm after --warm-up');
});

test('the cluster\'s total counts a worker at the most it held since its previous report, or more if more came since', () => {
  // Short connections: 3 open at the report, 25 at once within the second before it.
  const churning = worker('churning', 3);
  (churning as { stats: RoutableWorker['stats'] }).stats = { connections: 3, peak: 25 };
  assert.equal(load(churning), 3, 'routing goes by the count now');
  assert.equal(span(churning), 25);
  churning.routed = 30;
  assert.equal(span(churning), 33, 'connections routed to it since the report count on top');
  const older = worker('older', 7);
  assert.equal(span(older), 7, 'a report without a peak counts what it holds');
});
