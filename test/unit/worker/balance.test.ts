// The worker's side of balancing: a connection accepted above the share (the cluster's
// total over the workers, plus slack) is passed on unread; below it, accepted as node
// would; never while draining; one passed back by another worker is never passed on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Balancer, MAX_IN_FLIGHT } from '../../../src/worker/balance.js';

function setup(workers: number, opts: { held?: number; active?: boolean; sendOk?: boolean } = {}) {
  let held = opts.held ?? 0;
  const passed: string[] = [];
  const accepted: string[] = [];
  const acceptor: { onconnection?: (err: number, h: { id: string; close?: () => void }) => void } = {
    onconnection: (_err, h) => {
      accepted.push(h.id);
      held++;
    },
  };
  const balancer = new Balancer(workers, () => held, () => opts.active ?? true, (_key, h, done) => {
    passed.push((h as { id: string }).id);
    done(opts.sendOk ?? true);
  });
  balancer.wrap(acceptor as never, 'k');
  const accept = (id: string) => acceptor.onconnection!(0, { id, close: () => {} });
  return { balancer, acceptor, passed, accepted, accept };
}

test('a burst from nothing: two kept, the rest passed on; in balance nothing moves', () => {
  const s = setup(4);
  for (let i = 0; i < 10; i++) s.accept(`c${i}`);
  assert.deepEqual(s.accepted, ['c0', 'c1']);
  assert.equal(s.passed.length, 8);
  const even = setup(4, { held: 7 });
  even.balancer.setTotal(32);
  even.accept('x');
  even.accept('y');
  even.accept('z');
  assert.deepEqual(even.accepted, ['x', 'y', 'z'], 'share 8 plus slack 2: up to 10 are kept');
  even.accept('w');
  assert.deepEqual(even.passed, ['w']);
});

test('at most MAX_IN_FLIGHT connections are on their way to the master; past that a worker keeps what it accepts', () => {
  let held = 0;
  const pending: Array<(sent: boolean) => void> = [];
  const accepted: string[] = [];
  const acceptor = { onconnection: (_err: number, h: { id: string }) => (accepted.push(h.id), held++) };
  const balancer = new Balancer(4, () => held, () => true, (_key, _h, done) => pending.push(done));
  balancer.wrap(acceptor as never, 'k');
  const burst = MAX_IN_FLIGHT + 24;
  for (let i = 0; i < burst; i++) acceptor.onconnection(0, { id: `c${i}`, close: () => {} } as never);
  assert.equal(pending.length, MAX_IN_FLIGHT);
  assert.equal(accepted.length, burst - MAX_IN_FLIGHT, 'the rest are served here');
  for (const done of pending.splice(0)) done(true);
  acceptor.onconnection(0, { id: 'next', close: () => {} } as never);
  assert.equal(pending.length, 1, 'once written, passing on resumes');
});

test('one worker, or a draining worker, passes nothing on', () => {
  const single = setup(1);
  for (let i = 0; i < 5; i++) single.accept(`c${i}`);
  assert.equal(single.passed.length, 0);
  const draining = setup(4, { active: false });
  for (let i = 0; i < 5; i++) draining.accept(`c${i}`);
  assert.equal(draining.passed.length, 0);
});

test('a connection that cannot be sent to the master is served here', () => {
  const s = setup(4, { held: 5, sendOk: false });
  s.accept('c');
  assert.deepEqual(s.passed, ['c']);
  assert.deepEqual(s.accepted, ['c']);
});

test('a connection passed here by another worker is accepted, even above the share', () => {
  const s = setup(4, { held: 50 });
  assert.equal(s.balancer.accept(s.acceptor as never, { id: 'adopted' } as never), true);
  assert.deepEqual(s.accepted, ['adopted']);
  assert.equal(s.passed.length, 0);
});
