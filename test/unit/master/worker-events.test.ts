// Why a worker is not ready, from the listeners its app claimed: a worker past
// --ready-timeout is reported with the listeners it never listened on (or ready() it
// never called) and what to do; the master's log names its stderr once, not twice.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withStderr, withoutStderr } from '../../../src/master/worker-events.js';
import { fakeListener, harness } from './fakes.js';
import type { Harness } from './fakes.js';

const TCP = '127.0.0.1:3000';
const UNIX = '/run/app/app.sock';

/** A master whose one worker claims `claimed` and then misses a 1 s --ready-timeout; resolves with the start's error. */
async function missesDeadline(claimed: string[], waitReady = false): Promise<{ h: Harness; message: string }> {
  const h = harness({ workers: 1, readyTimeoutMs: 1000, waitReady }, { listeners: [fakeListener(TCP), fakeListener(UNIX)] });
  await h.flush();
  const worker = h.os.live()[0]!;
  for (const key of claimed) worker.claim(key);
  h.os.advance(1000);
  worker.exit();
  const exit = await h.master.finished();
  assert.equal(exit.code, 1);
  return { h, message: exit.error!.message };
}

describe('a worker that is not ready in time', () => {
  test('names the listeners its app never listened on, and what to do', async () => {
    const { message } = await missesDeadline([TCP]);
    assert.match(message, /^the cluster did not start: worker 1 \(generation 1\) was not ready within 1000ms \(--ready-timeout\): the app listens on 127\.0\.0\.1:3000 but never on \/run\/app\/app\.sock\./);
    assert.match(message, /make the app also call server\.listen\("\/run\/app\/app\.sock"\), or remove that listener from --listen \(or "listen" in the config file\)/);
  });

  test('an app that listened on nothing is told to listen on PORT', async () => {
    const { message } = await missesDeadline([]);
    assert.match(message, /the app never called listen\(\) for any of the baton listeners 127\.0\.0\.1:3000, \/run\/app\/app\.sock\. Make it listen on process\.env\.PORT \(or call server\.listen\(3000\) and server\.listen\("\/run\/app\/app\.sock"\)\); if it needs longer to start, raise --ready-timeout/);
  });

  test('with --wait-ready, an app that listens everywhere but never calls ready() is told so', async () => {
    const { message } = await missesDeadline([TCP, UNIX], true);
    assert.match(message, /the app listens on 127\.0\.0\.1:3000, \/run\/app\/app\.sock but never called ready\(\)\. With --wait-ready .* call it when the app is warm, or start baton without --wait-ready/);
  });

  test('a claim for a listener the master does not have changes nothing', async () => {
    const { message } = await missesDeadline(['127.0.0.1:9999', TCP]);
    assert.match(message, /the app listens on 127\.0\.0\.1:3000 but never on \/run\/app\/app\.sock/);
  });

  test('the log says where its stderr is instead of repeating it; the caller gets the tail', async () => {
    const { h, message } = await missesDeadline([TCP]);
    assert.match(message, /Last lines of its stderr:\n {2}\| stderr of worker 1/);
    const logged = h.log.lines.filter((l) => l.startsWith('error: ') && l.includes('was not ready'));
    assert.equal(logged.length, 1, h.log.lines.join('\n'));
    assert.doesNotMatch(logged[0]!, /Last lines of its stderr/);
    assert.match(logged[0]!, /\(its stderr is above, in the \[worker\] lines\)$/);
  });
});

test('withoutStderr drops the stderr tail, wherever in the message it ends', () => {
  const failure = withStderr('worker 2 (generation 2) exited with code 1 before it was ready', ['Error: boom', '', '    at main (app.js:1:1)']);
  assert.equal(withoutStderr(failure), 'worker 2 (generation 2) exited with code 1 before it was ready (its stderr is above, in the [worker] lines)');
  assert.equal(withoutStderr(`reload to generation 2 failed: ${failure}`), 'reload to generation 2 failed: worker 2 (generation 2) exited with code 1 before it was ready (its stderr is above, in the [worker] lines)');
  const silent = withStderr('worker 3 was killed by SIGKILL', []);
  assert.equal(withoutStderr(silent), silent, 'nothing to drop');
});
