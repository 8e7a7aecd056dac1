// The master's control logic under interleavings that are hard to time with real
// processes: requests during a start, a crash during a reload, two CLIs at once, a
// failed reload while a slot backs off, and faults inside the master itself. A real
// Master runs on fakes (fakes.ts); the test raises every event by hand.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { harness } from './fakes.js';
import type { FakeWorker } from './fakes.js';

/** A master with every first worker ready. */
function serving(options: Parameters<typeof harness>[0] = {}, more: Parameters<typeof harness>[1] = {}) {
  const h = harness(options, more);
  h.readyAll();
  assert.equal(h.master.state.kind, 'serving');
  return h;
}

/** One worker under --warm-up `warmUpMs` that reported `counts`, then a reload whose new worker is ready. */
async function reloadedUnder(warmUpMs: number, counts?: Parameters<FakeWorker['beat']>[0]) {
  const h = serving({ workers: 1, warmUpMs });
  const old = h.os.live(1)[0]!;
  if (counts) old.beat(counts);
  const reload = h.ask('reload');
  await h.flush();
  h.os.live(2)[0]!.ready();
  return { h, old, reload };
}

describe('start', () => {
  test('serves once every first worker is ready, and tells systemd', async () => {
    const h = harness({ workers: 3 });
    assert.equal(h.master.state.kind, 'starting');
    assert.equal(h.os.live().length, 3);
    h.os.live()[0]!.ready();
    h.os.live()[1]!.ready();
    assert.equal(h.master.state.kind, 'starting');
    h.os.live()[2]!.ready();
    assert.equal(h.master.state.kind, 'serving');
    assert.equal(h.master.cluster.generation, 1);
    await h.flush();
    assert.deepEqual(h.os.notified, ['READY=1']);
  });

  test('a reload asked during the start is queued, then runs onto a new generation', async () => {
    const h = harness();
    const reload = h.ask('reload');
    assert.equal(reload.settled(), 'pending');
    assert.equal(h.master.queued.length, 1);
    h.readyAll();
    await h.flush();
    assert.equal(h.master.state.kind, 'reloading');
    for (let i = 0; i < 2; i++) {
      h.readyAll();
      h.os.exitDrained();
    }
    await reload;
    assert.deepEqual(reload.value(), { generation: 2, durationMs: 0, workers: 2 });
    assert.deepEqual(h.os.live().map((w) => w.spec.generation), [2, 2]);
  });

  test('a stop during the start drains what started and exits 0', async () => {
    const h = harness();
    h.os.live()[0]!.ready();
    const stop = h.ask('stop');
    assert.equal(h.master.state.kind, 'stopping');
    assert.ok(h.os.live().every((w) => w.drained), 'every worker was told to drain');
    h.os.exitDrained();
    await stop;
    assert.equal(h.master.state.kind, 'stopped');
    assert.deepEqual(await h.master.finished(), { code: 0 });
  });

  test('a worker that fails during the start fails it, with the reason, and no crash back-off', async () => {
    const h = harness();
    h.os.live()[0]!.ready();
    h.os.live()[1]!.exit({ code: 1 });
    assert.equal(h.master.state.kind, 'stopping');
    h.os.exitDrained();
    const exit = await h.master.finished();
    assert.equal(exit.code, 1);
    assert.match(exit.error!.message, /the cluster did not start: worker 2 \(generation 1\) exited with code 1 before it was ready/);
    assert.ok(!h.log.lines.some((l) => l.includes('restarting its worker')), h.log.lines.join('\n'));
  });
});

describe('reload', () => {
  test('rolls a batch at a time: old workers drain only after the new one is ready', async () => {
    const h = serving({ workers: 2 });
    const reload = h.ask('reload');
    await h.flush();
    const [old1, old2] = h.os.live(1);
    assert.equal(h.os.live(2).length, 1, 'one new worker (batch 1)');
    assert.ok(!old1!.drained && !old2!.drained);
    h.os.live(2)[0]!.ready();
    assert.ok(old1!.drained, 'the old worker of slot 1 drains once its successor is ready');
    assert.ok(!old2!.drained);
    assert.equal(h.os.live(2).length, 2, 'the next batch starts at once: it does not wait for the draining worker');
    old1!.exit();
    h.readyAll();
    old2!.exit();
    await reload;
    assert.equal(h.master.state.kind, 'serving');
    assert.equal(h.master.lastReload?.ok, true);
  });

  test('--warm-up: an old worker with connections serves on until its successor has warmed up, then drains; the next batch goes on meanwhile, the reply waits for the last', async () => {
    const h = serving({ workers: 2, warmUpMs: 3000 });
    const [old1, old2] = h.os.live(1);
    old1!.beat({ connections: 5 });
    old2!.beat({ connections: 4 });
    const reload = h.ask('reload');
    await h.flush();
    h.os.live(2)[0]!.ready();
    await h.flush();
    assert.ok(!old1!.drained, 'the warm worker keeps its connections while the new one is cold');
    assert.ok(h.log.lines.some((l) => /slot 1: worker 1 serves its 5 connections on while worker 3 warms up; it drains in 3000ms/.test(l)), h.log.lines.join('\n'));
    assert.equal(h.os.live(2).length, 2, 'the next batch starts meanwhile: a reload spends the warm-up once, not per batch');
    h.os.advance(1000);
    h.os.live(2).find((w) => w.spec.slot === 2)!.ready();
    await h.flush();
    assert.ok(!old1!.drained && !old2!.drained, 'both serve on');
    h.os.advance(1999);
    await h.flush();
    assert.ok(!old1!.drained);
    h.os.advance(1);
    await h.flush();
    assert.ok(old1!.drained, 'drained once its successor has warmed up');
    assert.ok(!old2!.drained, 'its successor became ready 1 s later');
    assert.equal(reload.settled(), 'pending', 'no reply while an old worker serves on: after it, every new request meets the new code');
    h.os.advance(1000);
    await h.flush();
    assert.ok(old2!.drained);
    await reload;
    assert.equal(h.master.lastReload?.ok, true);
    h.os.exitDrained();
    assert.equal(h.master.state.kind, 'serving');
  });

  test('--warm-up: an old worker with no connections, or only WebSockets, drains at once, and so does every one with --warm-up 0', async () => {
    const cases = [
      { warmUpMs: 3000, counts: undefined, why: 'nothing to serve on: it drains at once' },
      { warmUpMs: 3000, counts: { connections: 5, upgraded: 5 }, why: 'WebSockets never move: its drain hook is what moves them' },
      { warmUpMs: 0, counts: { connections: 5 }, why: '--warm-up 0: at once, connections or not' },
    ];
    for (const { warmUpMs, counts, why } of cases) {
      const { h, old, reload } = await reloadedUnder(warmUpMs, counts);
      assert.ok(old.drained, why);
      h.os.exitDrained();
      await reload;
    }
  });

  test('--warm-up: a stop while an old worker serves on drains every worker at once', async () => {
    const { h, old, reload } = await reloadedUnder(3000, { connections: 5 });
    assert.ok(!old.drained);
    const stop = h.ask('stop');
    await assert.rejects(reload, { code: 'BATON_STOPPING' });
    assert.ok(h.os.live().every((w) => w.drained), 'old and new alike');
    h.os.exitDrained();
    await stop;
    assert.equal((await h.master.finished()).code, 0);
  });

  test('two CLIs at once: the second reload (and an upgrade) is refused, not queued', async () => {
    const h = serving();
    const first = h.ask('reload');
    const second = h.ask('reload');
    const upgrade = h.ask('upgrade');
    await assert.rejects(second, { code: 'BATON_BUSY', message: /already running/ });
    await assert.rejects(upgrade, { code: 'BATON_BUSY' });
    await h.flush();
    for (let i = 0; i < 2; i++) {
      h.readyAll();
      h.os.exitDrained();
    }
    await first;
  });

  test('a crash of an old worker during a reload is respawned, and the reload still finishes', async () => {
    const h = serving({ workers: 2 });
    const reload = h.ask('reload');
    await h.flush();
    const old2 = h.os.live(1).find((w) => w.spec.slot === 2)!;
    old2.exit({ code: 3 });
    assert.ok(h.log.lines.some((l) => l.includes('slot 2: restarting its worker in 100ms (restart 1)')), h.log.lines.join('\n'));
    h.os.advance(100);
    assert.equal(h.os.live(1).filter((w) => w.spec.slot === 2).length, 1, 'slot 2 got a generation-1 worker back');
    h.readyAll();
    for (let i = 0; i < 3; i++) {
      h.readyAll();
      h.os.exitDrained();
    }
    await reload;
    assert.deepEqual(h.os.live().map((w) => [w.spec.slot, w.spec.generation]).sort(), [[1, 2], [2, 2]]);
  });

  test('a new worker that fails makes the reload fail, drains it, and the old workers stay', async () => {
    const h = serving();
    const before = h.os.live(1);
    const reload = h.ask('reload');
    await h.flush();
    h.os.live(2)[0]!.exit({ code: 1 });
    await assert.rejects(reload, { code: 'BATON_RELOAD_FAILED', message: /reload to generation 2 failed, the old generation keeps serving: worker 3 \(generation 2\) exited with code 1 before it was ready/ });
    assert.equal(h.master.state.kind, 'serving');
    assert.deepEqual(h.os.live(), before, 'the same old workers serve');
    assert.ok(before.every((w) => !w.drained));
    assert.ok(!h.log.lines.some((l) => l.includes('restarting its worker')), 'no crash back-off: the slot never lost its worker');
  });

  test('a new worker past --ready-timeout makes the reload fail once it has left', async () => {
    const h = serving({ readyTimeoutMs: 2000 });
    const reload = h.ask('reload');
    await h.flush();
    const late = h.os.live(2)[0]!;
    h.os.advance(2000);
    assert.ok(late.drained, 'the late worker drains (it may have taken connections)');
    assert.equal(reload.settled(), 'pending', 'answered once it is gone');
    late.exit();
    await assert.rejects(reload, { message: /was not ready within 2000ms \(--ready-timeout\)/ });
  });

  test('a failed reload while a slot backs off: the slot is restarted, not forgotten', async () => {
    const h = serving({ workers: 2 });
    const slot1 = h.os.live(1).find((w) => w.spec.slot === 1)!;
    slot1.exit({ code: 3 });
    assert.equal(h.master.snapshot().workers.find((w) => w.slot === 1)?.state, 'backoff');
    const reload = h.ask('reload');
    await h.flush();
    const incoming = h.os.live(2);
    assert.equal(incoming.length, 1, 'the reload starts slot 1 at once');
    incoming[0]!.exit({ code: 1 });
    await assert.rejects(reload, { code: 'BATON_RELOAD_FAILED' });
    // Slot 1 backs off again and gets a generation-1 worker when its delay is over.
    assert.equal(h.master.snapshot().workers.find((w) => w.slot === 1)?.state, 'backoff');
    h.os.advance(200);
    const back = h.os.live(1).find((w) => w.spec.slot === 1);
    assert.ok(back, `slot 1 restarted:\n${h.log.lines.join('\n')}`);
    back.ready();
    assert.ok(h.master.cluster.allReady(), 'every slot has a ready worker again');
  });

  test('a stop during a reload fails the reload (stopping) and stops everything', async () => {
    const h = serving();
    const reload = h.ask('reload');
    await h.flush();
    const stop = h.ask('stop');
    await assert.rejects(reload, { code: 'BATON_STOPPING' });
    assert.ok(h.os.live().every((w) => w.drained));
    h.os.exitDrained();
    await stop;
    assert.equal((await h.master.finished()).code, 0);
  });

  test('an invalid config file fails the reload before anything changes', async () => {
    const h = serving({}, { resolveOptions: () => Promise.reject(Object.assign(new Error('invalid value "soon" for "drainTimeout"'), { code: 'BATON_INVALID_OPTION' })) });
    const reload = h.ask('reload');
    await h.flush();
    await assert.rejects(reload, /invalid value "soon"/);
    assert.equal(h.master.state.kind, 'serving');
    assert.equal(h.os.workers.length, 2, 'no worker was started');
  });
});

describe('memory swap', () => {
  test('a worker above --max-memory is replaced without a gap; a reload meanwhile waits', async () => {
    const h = serving({ maxMemoryBytes: 100 * 1024 * 1024 });
    const fat = h.os.live()[0]!;
    h.os.rss.set(fat.pid, 200 * 1024 * 1024);
    h.os.advance(1000);
    assert.equal(h.master.state.kind, 'swapping');
    const reload = h.ask('reload');
    assert.equal(h.master.queued.length, 1, 'the reload waits for the swap');
    const replacement = h.os.live().find((w) => w !== fat && w.spec.slot === fat.spec.slot)!;
    assert.equal(replacement.spec.generation, 1, 'same generation');
    assert.ok(!fat.drained);
    h.os.rss.delete(fat.pid);
    replacement.ready();
    assert.ok(fat.drained, 'the fat worker drains once its replacement is ready');
    fat.exit();
    await h.flush();
    assert.equal(h.master.state.kind, 'reloading', 'then the queued reload runs');
    for (let i = 0; i < 2; i++) {
      h.readyAll();
      h.os.exitDrained();
    }
    await reload;
  });
});

describe('faults inside the master', () => {
  test('a bug in the bookkeeping fails the reload with BATON_INTERNAL, logged with its stack; the cluster keeps serving', async () => {
    const h = serving();
    const before = h.os.live();
    h.os.timerFault = new TypeError('timer blew up');
    const reload = h.ask('reload');
    await h.flush();
    // The new worker was started before the fault: it is drained, the old ones stay.
    h.os.exitDrained();
    await assert.rejects(reload, { code: 'BATON_INTERNAL', message: /internal error in .*timer blew up.*The cluster keeps serving/ });
    assert.equal(h.master.state.kind, 'serving');
    assert.deepEqual(h.os.live(), before);
    assert.ok(before.every((w) => !w.drained));
    assert.ok(h.log.lines.some((l) => l.startsWith('error: internal error while handling') && l.includes('TypeError: timer blew up')), 'logged with its stack');
    // And the next reload works.
    const again = h.ask('reload');
    await h.flush();
    for (let i = 0; i < 2; i++) {
      h.readyAll();
      h.os.exitDrained();
    }
    await again;
  });

  test('a worker the OS cannot start (EMFILE) fails the reload with the reason; a crashed slot backs off instead', async () => {
    const h = serving();
    const before = h.os.live();
    h.os.spawnFault = Object.assign(new Error('spawn EMFILE'), { code: 'EMFILE' });
    const reload = h.ask('reload');
    await h.flush();
    await assert.rejects(reload, { code: 'BATON_RELOAD_FAILED', message: /could not be started: spawn EMFILE/ });
    assert.deepEqual(h.os.live(), before);
    // A crash while spawning fails: the slot backs off, no loop of faults.
    h.os.spawnFault = Object.assign(new Error('spawn EMFILE'), { code: 'EMFILE' });
    before[0]!.exit({ code: 3 });
    h.os.advance(100);
    assert.ok(h.log.lines.some((l) => /could not be started: spawn EMFILE/.test(l)));
    h.os.advance(200);
    assert.ok(h.os.live().some((w) => w.spec.slot === before[0]!.spec.slot), 'the slot got a worker once the OS allowed it');
  });

  test('a status that throws answers with an internal error and changes nothing', async () => {
    const h = serving();
    const stats = h.os.procStats.bind(h.os);
    h.os.procStats = () => {
      throw new Error('procfs went away');
    };
    await assert.rejects(h.ask('status'), { code: 'BATON_INTERNAL' });
    h.os.procStats = stats;
    assert.equal(h.master.state.kind, 'serving');
    assert.equal((await h.ask('status') as { workers: unknown[] }).workers.length, 2);
  });
});

describe('crash respawn', () => {
  test('a crash loop backs off 100, 200, 400 ms; a worker ready for 10 s ends the streak', () => {
    const h = serving({ workers: 1 });
    for (const delay of [100, 200, 400]) {
      h.os.live()[0]!.exit({ code: 3 });
      assert.ok(h.log.lines.at(-1)!.includes(`restarting its worker in ${delay}ms`), h.log.lines.at(-1));
      h.os.advance(delay);
      assert.equal(h.os.live().length, 1);
    }
    assert.match(h.log.lines.filter((l) => l.includes('restarting')).at(-1)!, /crash loop: 3 failures in a row/);
    h.readyAll();
    h.os.advance(10_000);
    h.os.live()[0]!.exit({ code: 3 });
    assert.ok(h.log.lines.at(-1)!.includes('restarting its worker in 100ms (restart 4)'), h.log.lines.at(-1));
  });
});

describe('stuck workers', () => {
  test('a ready worker silent past --stall-timeout is killed and its slot respawned; a busy one that beats is not', () => {
    const h = serving({ workers: 2, stallTimeoutMs: 3000 });
    const [a, b] = h.os.live();
    a!.beat();
    b!.beat();
    for (let i = 0; i < 4; i++) {
      h.os.advance(1000);
      b!.beat({ requests: i });
    }
    assert.equal(a!.killed, true, 'the silent worker is killed');
    assert.equal(b!.killed, false, 'the one whose event loop answers is not');
    assert.ok(h.log.lines.some((l) => new RegExp(`worker ${a!.spec.id} \\(pid ${a!.pid}\\) stuck for 4s`).test(l)), h.log.lines.join('\n'));
    a!.exit({ signal: 'SIGKILL' });
    h.os.advance(100);
    const replacement = h.os.live().find((w) => w.spec.slot === a!.spec.slot && w !== a);
    assert.ok(replacement, 'its slot gets a new worker through the respawn path');
    assert.equal(h.master.cluster.slots[a!.spec.slot - 1]!.restarts, 1, 'counted as a restart');
  });

  test('--stall-timeout 0 turns it off; a worker that never reported is not judged', () => {
    const off = serving({ stallTimeoutMs: 0 });
    off.os.live()[0]!.beat();
    off.os.advance(60_000);
    assert.ok(off.os.live().every((w) => !w.killed));
    const silent = serving({ stallTimeoutMs: 1000 });
    silent.os.advance(60_000);
    assert.ok(silent.os.live().every((w) => !w.killed), 'no heartbeat ever: an older runtime, not a stuck one');
  });
});
