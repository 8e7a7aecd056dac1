// Daemonized masters a test started (they are not the test's children to wait for):
// every master and worker they showed, through their control sockets and pid files, is
// ended after the test by pid and start time, SIGTERM then SIGKILL, whatever state it is in.
import { existsSync, readFileSync } from 'node:fs';
import { request } from '../../src/control/client.js';
import { descendants, identify, terminate } from '../../src/procfs.js';
import type { Proc } from '../../src/procfs.js';
import type { StatusSnapshot } from '../../src/protocol/control.js';

type Hooks = { after: (fn: () => unknown) => void };

export class Daemons {
  private readonly procs = new Map<number, Proc>();
  private readonly controls = new Set<string>();
  private readonly pidFiles = new Set<string>();

  /** Registers the teardown at once, before any daemon starts. */
  constructor(t: Hooks) {
    t.after(() => this.destroy());
  }

  /** A control socket and pid file to look at again in teardown (an upgrade moves both to a new master). */
  watch(files: { control?: string; pidFile?: string }): void {
    if (files.control) this.controls.add(files.control);
    if (files.pidFile) this.pidFiles.add(files.pidFile);
  }

  /** Remembers a pid with its start time, the first time it is seen alive. */
  track(pid: number | null | undefined): void {
    if (!pid || this.procs.has(pid)) return;
    const proc = identify(pid);
    if (proc) this.procs.set(pid, proc);
  }

  /** Remembers a master and its workers from its status. */
  trackStatus(status: StatusSnapshot): StatusSnapshot {
    this.track(status.pid);
    for (const w of status.workers) this.track(w.pid);
    return status;
  }

  /** Everything the watched sockets and pid files name now, and every process below them. */
  async refresh(): Promise<void> {
    for (const control of this.controls) {
      try {
        this.trackStatus(await request(control, 'status'));
      } catch {
        // No master answers there (any more).
      }
    }
    for (const file of this.pidFiles) if (existsSync(file)) this.track(Number(readFileSync(file, 'utf8').trim()));
    for (const proc of [...this.procs.values()]) for (const child of descendants(proc)) this.track(child.pid);
  }

  async destroy(): Promise<void> {
    await this.refresh();
    await terminate([...this.procs.values()], 5_000);
  }
}
