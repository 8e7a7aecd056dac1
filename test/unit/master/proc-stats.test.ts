// Reading memory and CPU time from /proc, and turning CPU time into a percentage.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CLOCK_TICKS_PER_SECOND, CpuMeter, parseStatTicks, parseStatusRss, readProcStats } from '../../../src/master/proc-stats.js';

// pid_max can be at most 2^22 on Linux, so this pid never exists.
const NO_SUCH_PID = 2 ** 22 + 1;

describe('readProcStats', { skip: process.platform !== 'linux' && 'needs Linux /proc' }, () => {
  test('reads this process: resident memory and CPU time', () => {
    const stats = readProcStats(process.pid);
    assert.ok(stats, 'own pid is readable');
    assert.ok(stats.rssBytes > 0, `rss ${stats.rssBytes}`);
    assert.equal(stats.rssBytes % 1024, 0, 'VmRSS is in whole kB');
    assert.ok(stats.cpuSeconds >= 0, `cpu ${stats.cpuSeconds}`);
  });

  test('CPU time grows while the process computes', () => {
    const before = readProcStats(process.pid);
    assert.ok(before);
    // Burn CPU until /proc shows more time (it counts in clock ticks, 10ms at 100Hz),
    // with a deadline instead of a guessed duration.
    const deadline = performance.now() + 5_000;
    let after = before;
    let sink = 0;
    while (after.cpuSeconds <= before.cpuSeconds && performance.now() < deadline) {
      const until = performance.now() + 50;
      while (performance.now() < until) sink += Math.sqrt(sink + 1);
      const sample = readProcStats(process.pid);
      assert.ok(sample);
      after = sample;
    }
    assert.ok(sink > 0);
    assert.ok(after.cpuSeconds > before.cpuSeconds, `cpu ${before.cpuSeconds}s -> ${after.cpuSeconds}s`);
  });

  test('a pid that does not exist is undefined', () => {
    assert.equal(readProcStats(NO_SUCH_PID), undefined);
  });

  test('a pid that cannot be one is undefined', () => {
    for (const pid of [0, -1, 1.5, Number.NaN]) assert.equal(readProcStats(pid), undefined, String(pid));
  });

  test('the clock tick rate comes from the kernel (100 on x86_64 and arm64)', () => {
    if (process.arch === 'x64' || process.arch === 'arm64') assert.equal(CLOCK_TICKS_PER_SECOND, 100);
    else assert.ok(CLOCK_TICKS_PER_SECOND > 0);
  });
});

describe('parseStatTicks', () => {
  // Fields 3.. of a real line: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
  const tail = 'S 1 4242 4242 0 -1 4194560 1500 0 3 0 250 40 0 0 20 0 11 0 12345 1000000 5000';

  test('adds utime and stime', () => {
    assert.equal(parseStatTicks(`4242 (node) ${tail}`), 290);
  });

  test('counts fields from the last parenthesis: a command name may hold spaces and ")"', () => {
    assert.equal(parseStatTicks(`4242 (my ) app (x)) ${tail}`), 290);
  });

  test('is undefined for text that is not a stat line', () => {
    assert.equal(parseStatTicks(''), undefined);
    assert.equal(parseStatTicks('4242 (node) S 1 2'), undefined);
  });
});

describe('parseStatusRss', () => {
  test('reads VmRSS in kB', () => {
    assert.equal(parseStatusRss('Name:\tnode\nVmPeak:\t 900 kB\nVmRSS:\t   51200 kB\nRssAnon:\t 40000 kB\n'), 51_200 * 1024);
  });

  test('is 0 when there is no VmRSS line (a zombie holds no memory)', () => {
    assert.equal(parseStatusRss('Name:\tnode\nState:\tZ (zombie)\n'), 0);
  });
});

describe('CpuMeter', () => {
  function meterWithClock() {
    const clock = { ms: 1_000 };
    return { clock, meter: new CpuMeter(() => clock.ms) };
  }

  test('is 0 for the first sample of a pid', () => {
    const { meter } = meterWithClock();
    assert.equal(meter.percent(10, 5), 0);
  });

  test('is CPU time used over wall time elapsed, in percent', () => {
    const { clock, meter } = meterWithClock();
    meter.percent(10, 5);
    clock.ms += 2_000;
    assert.equal(meter.percent(10, 6), 50); // 1s of CPU in 2s
    clock.ms += 1_000;
    assert.equal(meter.percent(10, 6), 0); // idle
    clock.ms += 500;
    assert.equal(meter.percent(10, 7), 200); // two cores busy
  });

  test('keeps each pid apart', () => {
    const { clock, meter } = meterWithClock();
    meter.percent(10, 1);
    meter.percent(20, 100);
    clock.ms += 1_000;
    assert.equal(meter.percent(10, 1.25), 25);
    assert.equal(meter.percent(20, 100.75), 75);
  });

  test('treats CPU time going down as a reused pid: a first sample again', () => {
    const { clock, meter } = meterWithClock();
    meter.percent(10, 50);
    clock.ms += 1_000;
    assert.equal(meter.percent(10, 0.25), 0);
    clock.ms += 1_000;
    assert.equal(meter.percent(10, 0.75), 50);
  });

  test('is 0 when no time has passed', () => {
    const { meter } = meterWithClock();
    meter.percent(10, 1);
    assert.equal(meter.percent(10, 2), 0);
  });

  test('forget() makes the next sample a first sample', () => {
    const { clock, meter } = meterWithClock();
    meter.percent(10, 1);
    meter.forget(10);
    clock.ms += 1_000;
    assert.equal(meter.percent(10, 2), 0);
  });
});
