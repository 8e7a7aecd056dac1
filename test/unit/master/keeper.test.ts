// The keeper of a terminal, on a fake host: it follows the live master through
// upgrades, passes SIGINT and SIGTERM on as a stop, waits out the gap between two
// masters, and exits 0 once the live master is gone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keepTerminal, keepsTerminal } from '../../../src/master/keeper.js';
import type { KeeperHost } from '../../../src/master/keeper.js';
import type { CaughtSignal } from '../../../src/signals.js';

/** A host whose control socket answers with `answering` (undefined: nobody), and whose processes in `running` are alive. */
class FakeHost implements KeeperHost {
  answering: number | undefined;
  readonly running = new Set<number>();
  readonly lines: string[] = [];
  stops = 0;
  polls = 0;
  private signal: ((signal: CaughtSignal) => void) | undefined;
  /** Runs before each poll's wait resolves: the test's script of what happens. */
  script: (poll: number) => void = () => {};

  constructor(live: number) {
    this.answering = live;
    this.running.add(live);
  }
  live(): Promise<number> {
    return this.answering === undefined ? Promise.reject(new Error('no master')) : Promise.resolve(this.answering);
  }
  stop(): Promise<number> {
    this.stops++;
    return Promise.resolve(this.answering ?? 0);
  }
  alive(pid: number): boolean {
    return this.running.has(pid);
  }
  onSignal(fn: (signal: CaughtSignal) => void): void {
    this.signal = fn;
  }
  wait(): Promise<void> {
    this.script(++this.polls);
    return Promise.resolve();
  }
  log(message: string): void {
    this.lines.push(message);
  }
  raise(signal: CaughtSignal): void {
    this.signal!(signal);
  }
}

test('a master keeps its terminal in the foreground of one, not under systemd or without a terminal', () => {
  assert.equal(keepsTerminal((fd) => fd === 0, {}), true, 'stdin is a terminal');
  assert.equal(keepsTerminal((fd) => fd === 2, {}), true, 'stderr is a terminal (stdin redirected)');
  assert.equal(keepsTerminal(() => false, {}), false, 'a daemon, or output to a file');
  assert.equal(keepsTerminal(() => true, { NOTIFY_SOCKET: '/run/systemd/notify' }), false, 'under systemd');
});

test('exits 0 once nothing answers and the live master has exited', async () => {
  const host = new FakeHost(200);
  host.script = (poll) => {
    if (poll === 3) {
      host.answering = undefined;
      host.running.delete(200);
    }
  };
  assert.equal(await keepTerminal(host, 200, 1), 0);
  assert.equal(host.polls, 3);
  assert.equal(host.lines.at(-1), 'keeper: no master serves any more; exiting');
});

test('follows the live master through upgrades, and waits while the control socket is between two masters', async () => {
  const host = new FakeHost(200);
  host.script = (poll) => {
    // An upgrade: 200 releases the control socket, 300 takes it a moment later; 200 then exits.
    if (poll === 2) host.answering = undefined;
    if (poll === 4) {
      host.running.add(300);
      host.answering = 300;
      host.running.delete(200);
    }
    if (poll === 6) {
      host.answering = undefined;
      host.running.delete(300);
    }
  };
  assert.equal(await keepTerminal(host, 200, 1), 0);
  assert.equal(host.polls, 6, 'it did not leave while 200 still ran');
});

test('SIGINT and SIGTERM become a stop of the live master; other signals are pointed at it', async () => {
  const host = new FakeHost(200);
  host.script = (poll) => {
    if (poll === 1) host.answering = 300;
    if (poll === 2) {
      host.raise('SIGINT');
      host.raise('SIGTERM');
      host.raise('SIGHUP');
    }
    if (poll === 3) {
      host.answering = undefined;
      host.running.clear();
    }
  };
  assert.equal(await keepTerminal(host, 200, 1), 0);
  assert.equal(host.stops, 2);
  assert.ok(host.lines.includes('keeper: SIGINT: asking the live master to stop'), host.lines.join('\n'));
  assert.ok(host.lines.includes('keeper: master 300 has stopped'), host.lines.join('\n'));
  assert.ok(host.lines.some((l) => /SIGHUP is not for this process.*send it to the live master, pid 300/.test(l)), host.lines.join('\n'));
});
