// Every cell of the request table, as the master behaves: the master is driven into
// each state on fakes, then asked each request, and what happens (it runs, waits,
// joins, is carried over, is skipped or refused with its code) must be what the
// table says. The table itself is policy.ts's; this checks the master obeys it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ASKS, decide, refusalError } from '../../../src/master/policy.js';
import type { Ask } from '../../../src/master/policy.js';
import { labelOf, STATE_LABELS } from '../../../src/master/state.js';
import type { StateLabel } from '../../../src/master/state.js';
import { harness } from './fakes.js';
import type { Harness } from './fakes.js';

/** A harness whose master is in state `label`. */
async function reach(label: StateLabel): Promise<Harness> {
  const successorSide = label === 'standby' || label === 'taking-over';
  const h = harness(label === 'stopping:grace' ? { health: { host: '127.0.0.1', port: 9 }, lbGraceMs: 5000 } : label === 'swapping' ? { maxMemoryBytes: 1 } : {}, successorSide ? { successor: true } : {});
  const upgrade = () => {
    h.ask('upgrade');
    return h.os.successors.at(-1)!;
  };
  switch (label) {
    case 'starting':
    case 'standby':
      break;
    case 'taking-over':
      h.readyAll();
      await h.flush();
      h.channel!.deliver({ v: 2, type: 'takeover' });
      break;
    default:
      h.readyAll();
  }
  switch (label) {
    case 'reloading':
      h.ask('reload');
      break;
    case 'swapping':
      h.os.advance(1000);
      break;
    case 'upgrading:preparing':
      upgrade();
      break;
    case 'upgrading:handing-over':
      upgrade().say({ type: 'ready', pid: 1, node: 'v20' });
      break;
    case 'recovering': {
      const successor = upgrade();
      successor.say({ type: 'ready', pid: 1, node: 'v20' });
      successor.exit('was killed by SIGKILL');
      break;
    }
    case 'stopping:grace':
    case 'stopping:draining':
      h.ask('stop');
      break;
    case 'stopped':
      h.ask('stop');
      h.os.exitDrained();
      break;
    case 'handed-over': {
      const successor = upgrade();
      successor.say({ type: 'ready', pid: 1, node: 'v20' });
      successor.say({ type: 'took-over', pid: successor.pid });
      break;
    }
  }
  assert.equal(labelOf(h.master.state), label, `could not reach ${label}:\n${h.log.lines.join('\n')}`);
  return h;
}

/** What happened to a request, in the table's words. */
async function observe(h: Harness, ask: Ask): Promise<string> {
  const label = labelOf(h.master.state);
  const queuedBefore = h.master.queued.length;
  const successorsBefore = h.os.successors.length;
  const state = h.master.state;
  const carriedBefore = state.kind === 'upgrading' ? state.run.carried.length : 0;
  const answer = h.ask(ask);
  // Read at once: a queued request may run as soon as promises settle (taking-over ends).
  const queued = h.master.queued.length > queuedBefore;
  const after = labelOf(h.master.state);
  await h.flush();
  if (answer.settled() === 'rejected') {
    const code = (answer.value() as { code?: string }).code;
    const refusal = (['busy', 'stopping', 'taking-over', 'handing-over'] as const).find((why) => refusalError(why).code === code);
    return refusal ? `refuse:${refusal}` : `rejected ${code}`;
  }
  if (queued) return 'queue';
  if (state.kind === 'upgrading' && state.run.carried.length > carriedBefore) return 'carry';
  const now = after;
  switch (ask) {
    case 'reload':
      return now === 'reloading' && label !== 'reloading' ? 'run' : `? ${now}`;
    case 'upgrade':
      return h.os.successors.length > successorsBefore ? 'run' : `? ${now}`;
    case 'swap':
      if (answer.settled() === 'resolved' && now === label) return 'skip';
      return now === 'swapping' ? 'run' : `? ${now}`;
    case 'stop':
      if (label.startsWith('stopping') || label === 'stopped' || label === 'handed-over') return 'join';
      return now.startsWith('stopping') || now === 'stopped' ? 'run' : `? ${now}`;
  }
}

describe('every cell of the request table', () => {
  for (const label of STATE_LABELS) {
    for (const ask of ASKS) {
      const expected = decide(label, ask);
      const words = expected.action === 'refuse' ? `refuse:${expected.why}` : expected.action;
      // The memory swap runs only with a worker above --max-memory, which these states do not set up.
      const swapRun = ask === 'swap' && expected.action === 'run';
      test(`${ask} in ${label}: ${words}`, async () => {
        const h = await reach(label);
        if (swapRun) {
          h.master.options.maxMemoryBytes = 1;
        }
        assert.equal(await observe(h, ask), words);
      });
    }
  }
});
