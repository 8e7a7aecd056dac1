// The new master's side of an upgrade, with a fake channel to the old master: standby
// refuses operations (no third master), takeover when told or when the old master is
// gone at any moment, a control socket that cannot be taken, a stop before takeover.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PredecessorLink } from '../../../src/master/successor.js';
import { FakeChannel, harness } from './fakes.js';
import type { Harness } from './fakes.js';

function successor(options: Parameters<typeof harness>[0] = {}): Harness & { channel: FakeChannel } {
  return harness(options, { successor: true, resume: { nextId: 7, nextGeneration: 4, generation: 3, restarts: [2, 0] } }) as Harness & { channel: FakeChannel };
}

describe('a successor before it has taken over', () => {
  test('carries on the counters: new ids and generations, restarts kept', () => {
    const h = successor();
    assert.equal(h.master.state.kind, 'standby');
    assert.deepEqual(h.os.live().map((w) => [w.spec.id, w.spec.generation]), [[7, 4], [8, 4]]);
    assert.deepEqual(h.master.cluster.slots.map((s) => s.restarts), [2, 0]);
  });

  test('refuses a reload and an upgrade (SIGUSR2 cannot start a third master), before and after ready', async () => {
    const h = successor();
    await assert.rejects(h.ask('upgrade'), { code: 'BATON_TAKING_OVER', message: /taking over from the old master 42/ });
    h.readyAll();
    await h.flush();
    await assert.rejects(h.ask('reload'), { code: 'BATON_TAKING_OVER' });
    await assert.rejects(h.ask('upgrade'), { code: 'BATON_TAKING_OVER' });
    assert.equal(h.os.successors.length, 0);
  });

  test('once its workers are ready it serves health, then tells the old master, and waits', async () => {
    const h = successor();
    h.readyAll();
    assert.deepEqual(h.channel.sent, [], 'not before the health endpoint serves');
    await h.flush();
    assert.ok(h.endpoints.events.includes('open health'));
    // replacesControl: the old master may answer on the control socket until this one has it.
    assert.deepEqual(h.channel.sent, [{ v: 2, type: 'ready', pid: process.pid, node: process.version, replacesControl: true }]);
    assert.equal(h.master.state.kind, 'standby');
    assert.ok(!h.endpoints.events.includes('open control'));
  });

  test('a start that fails tells the old master why and exits 1', async () => {
    const h = successor();
    h.os.live()[0]!.exit({ code: 1 });
    assert.equal(h.channel.sent[0]?.type, 'failed');
    assert.match((h.channel.sent[0] as { reason: string }).reason, /the cluster did not start: worker 7 \(generation 4\) exited with code 1/);
    h.os.exitDrained();
    assert.equal((await h.master.finished()).code, 1);
  });
});

describe('taking over', () => {
  test('when told: control socket, pid file, took-over, metrics; the channel stays open for the old master\'s drain', async () => {
    const h = successor({ pidFile: '/run/app.pid' });
    h.readyAll();
    await h.flush();
    h.channel.deliver({ v: 2, type: 'takeover' });
    assert.equal(h.master.state.kind, 'taking-over');
    await h.flush();
    assert.equal(h.master.state.kind, 'serving');
    assert.deepEqual(h.os.pidFiles, ['/run/app.pid']);
    assert.deepEqual(h.channel.sent.at(-1), { v: 2, type: 'took-over', pid: process.pid });
    assert.ok(h.endpoints.events.includes('open control') && h.endpoints.events.includes('open metrics'));
    assert.equal(h.channel.connected, true, 'idle connections of the old master\'s draining workers still come this way');
    assert.equal(h.master.lastUpgrade?.ok, true);
    assert.equal(h.master.lastUpgrade?.fromPid, 42);
    assert.ok(!h.os.notified.includes(`MAINPID=${process.pid}`), 'the old master tells systemd');
  });

  test('when the old master dies while the workers start: takes over once they are ready', async () => {
    const h = successor();
    h.channel.disconnect();
    assert.equal(h.master.state.kind, 'standby');
    h.readyAll();
    await h.flush();
    await h.flush();
    assert.equal(h.master.state.kind, 'serving');
    assert.ok(h.endpoints.events.includes('open control'));
    assert.ok(h.os.notified.includes(`MAINPID=${process.pid}`), 'nobody else tells systemd');
  });

  test('when the old master dies after ready, before it said takeover', async () => {
    const h = successor();
    h.readyAll();
    await h.flush();
    h.channel.disconnect();
    await h.flush();
    assert.equal(h.master.state.kind, 'serving');
  });

  test('a control socket it cannot take is logged and retried; it serves meanwhile', async () => {
    const h = successor();
    h.endpoints.controlFault = Object.assign(new Error('a baton master is already running on control socket /tmp/fake.sock'), { code: 'BATON_ALREADY_RUNNING' });
    h.readyAll();
    await h.flush();
    h.channel.deliver({ v: 2, type: 'takeover' });
    await h.flush();
    assert.equal(h.master.state.kind, 'serving');
    assert.equal(h.channel.sent.at(-1)?.type, 'took-over');
    assert.ok(h.log.lines.some((l) => /could not take the control socket.*retrying every 2000ms/.test(l)));
    h.endpoints.controlFault = undefined;
    h.os.advance(2000);
    await h.flush();
    assert.equal(h.endpoints.events.filter((e) => e === 'open control').length, 2);
  });

  test('a reload asked while it takes over waits, then runs', async () => {
    const h = successor();
    h.readyAll();
    await h.flush();
    h.channel.deliver({ v: 2, type: 'takeover' });
    const reload = h.ask('reload');
    assert.equal(reload.settled(), 'pending');
    await h.flush();
    assert.equal(h.master.state.kind, 'reloading');
    for (let i = 0; i < 2; i++) {
      h.readyAll();
      h.os.exitDrained();
    }
    assert.equal((await reload as { generation: number }).generation, 5);
  });
});

describe('a stop before it has taken over', () => {
  test('drains its workers, handing idle connections back to the old master (version 2)', async () => {
    const h = successor();
    h.readyAll();
    await h.flush();
    const stop = h.ask('stop');
    assert.ok(h.os.live().every((w) => w.drained?.handoff === true));
    h.os.exitDrained();
    await stop;
    assert.equal((await h.master.finished()).code, 0);
  });

  test('a version-1 old master (release 0.1.0) is spoken to in version 1 and takes nothing back', async () => {
    const channel = new FakeChannel();
    const link = new PredecessorLink(channel);
    link.configure(42, 1, new Date().toISOString(), undefined);
    link.tell({ type: 'ready', pid: 1, node: 'v20' });
    assert.deepEqual(channel.sent, [{ v: 1, type: 'ready', pid: 1, node: 'v20' }]);
  });
});
