// How the worker's event loop is doing, sampled once per report: the p99 of its delay
// (perf_hooks' histogram, reset at each sample) and its utilisation since the last
// sample. Both cost almost nothing: one timer at 20 ms resolution inside Node. The
// histogram records whole timer intervals, so the resolution is taken off: an idle
// loop reports about 0.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { EventLoopUtilization, IntervalHistogram } from 'node:perf_hooks';

const RESOLUTION_MS = 20;

/** Samples event-loop delay and utilisation over the time since the previous sample. */
export class LoopMonitor {
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private last: EventLoopUtilization = performance.eventLoopUtilization();

  constructor() {
    this.delay.enable();
  }

  /** The delay (p99, milliseconds) and utilisation (0..1) since the last call. */
  sample(): { eventLoopDelayMs: number; eventLoopUtilization: number } {
    const p99 = this.delay.percentile(99);
    this.delay.reset();
    const now = performance.eventLoopUtilization();
    const used = performance.eventLoopUtilization(now, this.last);
    this.last = now;
    const delayMs = Number.isFinite(p99) ? Math.max(0, p99 / 1e6 - RESOLUTION_MS) : 0;
    return { eventLoopDelayMs: Math.round(delayMs * 10) / 10, eventLoopUtilization: Math.round(used.utilization * 1000) / 1000 };
  }
}
