// The old master's side of an upgrade, phase by phase, with a fake successor: the
// happy path, a stop at each phase, the successor's death at each phase, deadlines.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { harness } from './fakes.js';
import type { FakeSuccessor, Harness } from './fakes.js';

function serving(options: Parameters<typeof harness>[0] = {}): Harness {
  const h = harness(options);
  h.readyAll();
  return h;
}

/** Starts an upgrade; returns its answer and the fake successor. */
function upgrade(h: Harness, node?: string) {
  const answer = h.ask('upgrade', node ? { node } : undefined);
  const successor = h.os.successors.at(-1)!;
  return { answer, successor };
}

/** Drives the successor to ready: the old master drains. Without `replacesControl`, as a 0.1.0 successor says it. */
function ready(successor: FakeSuccessor, replacesControl?: boolean): void {
  successor.say({ type: 'ready', pid: successor.pid, node: 'v22.0.0', ...(replacesControl === undefined ? {} : { replacesControl }) });
}

describe('an upgrade that goes through', () => {
  test('hands over: v2 handover, drain with hand-off, control socket released at once for a successor that needs it free, exit once drained', async () => {
    const h = serving({ workers: 2 });
    const { answer, successor } = upgrade(h, '/opt/node22');
    assert.equal(h.master.state.kind, 'upgrading');
    const handover = successor.spec.handover;
    assert.equal(handover.v, 2);
    assert.equal(handover.type, 'handover');
    assert.equal(handover.nodePath, '/opt/node22');
    assert.equal(handover.fromPid, process.pid);
    assert.deepEqual(handover.counters, { nextId: 3, nextGeneration: 2, generation: 1, restarts: [0, 0] });
    assert.deepEqual(handover.source, h.master.options.source);
    assert.ok(!('env' in handover) && !('options' in handover), 'no environment, no whole options');
    assert.equal(successor.spec.nodePath, '/opt/node22');

    // Until it is ready nothing changes here.
    assert.ok(h.os.live().every((w) => !w.drained));
    ready(successor);
    assert.deepEqual([h.master.state.kind, (h.master.state as { phase?: string }).phase], ['upgrading', 'handing-over']);
    assert.ok(h.os.live().every((w) => w.drained?.handoff === true), 'idle connections go to the successor');
    assert.deepEqual(h.endpoints.events.slice(-3), ['close health', 'close metrics', 'release control'], 'the workers drain in the background: the control socket goes at once');
    assert.equal(successor.sent.at(-1)?.type, 'takeover');
    successor.say({ type: 'took-over', pid: successor.pid });
    assert.deepEqual(await answer, { pid: successor.pid, previousPid: process.pid, node: 'v22.0.0' });
    assert.equal(h.master.state.kind, 'handed-over');
    await h.flush();
    assert.ok(h.os.notified.includes(`MAINPID=${successor.pid}`));
    assert.equal(h.master.exit, undefined, 'it lingers while its workers drain');
    h.os.exitDrained();
    assert.deepEqual(await h.master.finished(), { code: 0 });
  });

  test('a successor that replaces the control socket\'s file: this master answers there until it has taken over', async () => {
    const h = serving({ workers: 2 });
    const { answer, successor } = upgrade(h);
    ready(successor, true);
    assert.deepEqual(h.endpoints.events.slice(-2), ['close health', 'close metrics'], 'health and metrics go at the point of no return');
    assert.ok(!h.endpoints.events.includes('release control'), 'no moment without a master on the control socket');
    assert.equal(successor.sent.at(-1)?.type, 'takeover');
    successor.say({ type: 'took-over', pid: successor.pid });
    assert.equal(h.endpoints.events.at(-1), 'release control', 'released once the successor has it');
    await answer;
  });

  test('a control socket bound straight at its path (too long for a temporary name) is released before the takeover', () => {
    const h = serving();
    h.endpoints.renamedControl = false;
    const { successor } = upgrade(h);
    ready(successor, true);
    assert.equal(h.endpoints.events.at(-1), 'release control', 'closing it would unlink the successor\'s file');
    assert.equal(successor.sent.at(-1)?.type, 'takeover');
  });

  test('the handover carries the last reload, so the new master\'s status still shows it', async () => {
    const h = serving();
    const reload = h.ask('reload');
    await h.flush();
    for (let i = 0; i < 2; i++) {
      h.readyAll();
      h.os.exitDrained();
    }
    await reload;
    const { successor } = upgrade(h);
    assert.equal(successor.spec.handover.lastReload?.ok, true);
    assert.equal(successor.spec.handover.lastReload?.generation, 2);
  });

  test('a connection on its way to the successor keeps the old master until it is written', async () => {
    const h = serving({ workers: 1 });
    const { answer, successor } = upgrade(h);
    ready(successor);
    successor.say({ type: 'took-over', pid: successor.pid });
    await answer;
    successor.holdWrites = true;
    let closed = 0;
    h.os.live()[0]!.handOff('127.0.0.1:3000', { close: () => closed++ });
    assert.equal(successor.sent.at(-1)?.type, 'adopt');
    h.os.exitDrained();
    await h.flush();
    assert.equal(h.master.exit, undefined, 'exited with the connection unwritten: its client would get a reset');
    for (const written of successor.unwritten.splice(0)) written();
    assert.equal(closed, 1, 'our copy of the handle is closed once it is written');
    assert.deepEqual(await h.master.finished(), { code: 0 });
  });

  test('--wait-drained: the answer comes once the old workers have gone', async () => {
    const h = serving();
    const answer = h.ask('upgrade', { waitDrained: true });
    const successor = h.os.successors.at(-1)!;
    ready(successor);
    successor.say({ type: 'took-over', pid: successor.pid });
    await h.flush();
    assert.equal(answer.settled(), 'pending');
    h.os.exitDrained();
    await answer;
    assert.equal((await h.master.finished()).code, 0);
  });

  test('a connection handed back by the successor goes to a worker here', () => {
    const h = serving();
    const { successor } = upgrade(h);
    let closed = false;
    successor['events'].message({ v: 2, type: 'adopt', key: '127.0.0.1:3000', hops: 1 }, { close: () => (closed = true) });
    const adopted = h.os.live().flatMap((w) => w.sent).filter((s) => s.message.type === 'adopt');
    assert.equal(adopted.length, 1);
    assert.ok(!closed || adopted.length === 1);
  });
});

describe('an upgrade that fails before the point of no return', () => {
  test('a binary that is not executable fails at once; nothing starts', async () => {
    const h = serving();
    h.os.executable = false;
    await assert.rejects(h.ask('upgrade', { node: '/nope/node' }), { code: 'BATON_UPGRADE_FAILED', message: /\/nope\/node does not exist or is not executable/ });
    assert.equal(h.os.successors.length, 0);
    assert.equal(h.master.state.kind, 'serving');
    assert.equal(h.master.lastUpgrade?.ok, false);
  });

  test('a successor that dies before ready: the old master serves on, untouched', async () => {
    const h = serving();
    const before = h.os.live();
    const { answer, successor } = upgrade(h);
    successor.exit('was killed by SIGKILL');
    await assert.rejects(answer, { message: new RegExp(`the new master \\(pid ${successor.pid}\\) was killed by SIGKILL before it was ready`) });
    assert.equal(h.master.state.kind, 'serving');
    assert.deepEqual(h.os.live(), before);
    assert.ok(before.every((w) => !w.drained));
  });

  test('a successor that reports failure is stopped, and answered once gone', async () => {
    const h = serving({ drainTimeoutMs: 30_000, killTimeoutMs: 5000 });
    const { answer, successor } = upgrade(h);
    successor.say({ type: 'failed', reason: 'the cluster did not start: boom' });
    assert.equal(successor.terminatedAfter, 36_000, 'its own drain deadline, not only --kill-timeout');
    assert.equal(answer.settled(), 'pending');
    successor.exit('exited with code 1');
    await assert.rejects(answer, { message: /the new master failed: the cluster did not start: boom/ });
    assert.equal(h.master.state.kind, 'serving');
  });

  test('a successor past --upgrade-timeout is stopped; the old master serves on', async () => {
    const h = serving({ upgradeTimeoutMs: 1000 });
    const { answer, successor } = upgrade(h);
    h.os.advance(1000);
    assert.ok(successor.terminatedAfter !== undefined);
    successor.exit('was killed by SIGTERM');
    await assert.rejects(answer, { message: new RegExp(`the new master \\(pid ${successor.pid}\\) was not ready within 1000ms \\(--upgrade-timeout\\)`) });
    assert.equal(h.master.state.kind, 'serving');
  });

  test('while it prepares, a reload or a second upgrade is refused', async () => {
    const h = serving();
    upgrade(h);
    await assert.rejects(h.ask('reload'), { code: 'BATON_BUSY' });
    await assert.rejects(h.ask('upgrade'), { code: 'BATON_BUSY' });
  });
});

describe('a stop at each phase of an upgrade', () => {
  test('preparing: the stop wins, the successor is stopped, the master exits once both are gone', async () => {
    const h = serving();
    const { answer, successor } = upgrade(h);
    const stop = h.ask('stop');
    await assert.rejects(answer, { code: 'BATON_STOPPING' });
    assert.ok(successor.terminatedAfter !== undefined, 'the successor is stopped');
    h.os.exitDrained();
    assert.equal(stop.settled(), 'pending', 'the stop waits for the successor too');
    successor.exit('exited with code 0');
    await h.flush();
    assert.equal(stop.settled(), 'resolved');
    assert.equal((await h.master.finished()).code, 0);
  });

  test('handing-over: the stop is carried to the new master and answered when it is gone', async () => {
    const h = serving();
    const { answer, successor } = upgrade(h);
    ready(successor);
    assert.equal((h.master.state as { phase?: string }).phase, 'handing-over');
    const stop = h.ask('stop');
    await assert.rejects(h.ask('reload'), { code: 'BATON_HANDING_OVER' });
    successor.say({ type: 'took-over', pid: successor.pid });
    await answer;
    assert.ok(successor.terminatedAfter !== undefined, 'the new master is stopped once it has taken over');
    assert.equal(stop.settled(), 'pending');
    successor.exit('exited with code 0');
    await h.flush();
    assert.deepEqual(stop.value(), { stopped: true, pid: successor.pid });
    assert.equal(h.master.exit, undefined, 'this master still waits for its own workers');
    h.os.exitDrained();
    assert.equal((await h.master.finished()).code, 0);
  });
});

describe('the successor dies after the point of no return', () => {
  test('before it took over: the old master starts workers again and keeps serving', async () => {
    const h = serving({ workers: 2 });
    const { answer, successor } = upgrade(h);
    ready(successor);
    successor.exit('was killed by SIGKILL');
    assert.equal(h.master.state.kind, 'recovering');
    const fresh = h.os.live().filter((w) => !w.drained);
    assert.equal(fresh.length, 2, 'two new workers');
    assert.ok(fresh.every((w) => w.spec.generation === 2));
    h.readyAll();
    await assert.rejects(answer, { message: new RegExp(`was killed by SIGKILL before it took over; master ${process.pid} started new workers and keeps serving`) });
    assert.equal(h.master.state.kind, 'serving');
    await h.flush();
    assert.ok(h.endpoints.events.includes('open control') && h.endpoints.events.includes('open health'), h.endpoints.events.join(', '));
  });

  test('after it took over, while this master still drains: it takes the service back', async () => {
    const h = serving({ workers: 2, pidFile: '/run/app.pid' });
    const { answer, successor } = upgrade(h);
    ready(successor);
    successor.say({ type: 'took-over', pid: successor.pid });
    await answer;
    successor.exit('was killed by SIGKILL');
    assert.equal(h.master.state.kind, 'recovering');
    h.readyAll();
    assert.equal(h.master.state.kind, 'serving');
    await h.flush();
    assert.ok(h.endpoints.events.includes('open control'));
    assert.deepEqual(h.os.pidFiles, ['/run/app.pid']);
    assert.ok(h.os.notified.includes(`MAINPID=${process.pid}`), 'systemd follows the service back');
    assert.equal(h.master.lastUpgrade?.ok, false);
  });

  test('after it took over, a clean exit of the new master (stopped, or upgraded again) is not a death', async () => {
    const h = serving();
    const { successor } = upgrade(h);
    ready(successor);
    successor.say({ type: 'took-over', pid: successor.pid });
    successor.exit('exited with code 0');
    assert.equal(h.master.state.kind, 'handed-over');
    h.os.exitDrained();
    assert.equal((await h.master.finished()).code, 0);
  });
});
