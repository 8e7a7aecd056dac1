// A master's own entry: written each time it takes the app's control socket (a fresh
// start, a successor taking over or retrying, an old master taking the service back),
// removed when it exits, and only if the entry still names this very process, so an
// old master leaving after an upgrade never deletes its successor's entry. The
// registry is a convenience beside the service: any failure to use it is logged and
// the master serves on, except that a fresh master refuses to start under a name a
// live master already holds (that refusal comes before it serves anything).
import { fileURLToPath } from 'node:url';
import type { MasterOptions } from '../config/options.js';
import { defaultAppName } from '../config/name.js';
import { errors, isBatonError } from '../errors.js';
import { BATON_VERSION } from '../version.js';
import { ENTRY_VERSION } from './entry.js';
import type { Entry } from './entry.js';
import { REAL_PROCESSES, verdict } from './liveness.js';
import type { ProcessTable } from './liveness.js';
import { checkDir, ensureDir, registryLocation } from './location.js';
import { Registry } from './store.js';

/** baton's command in this installation: what a unit written from the entry runs. */
const CLI = fileURLToPath(new URL('../cli/baton.cjs', import.meta.url));

/** Where the registration reports (the master's logger). */
export interface RegistrationLog {
  info(message: string): void;
  error(message: string): void;
}

export interface RegistrationOptions {
  /** A fresh master: its first claim throws BATON_NAME_TAKEN if a live master holds the name. */
  refuseTaken: boolean;
  /** A successor: the old master's pid, whose entry it replaces. */
  predecessor?: number;
  env?: NodeJS.ProcessEnv;
  processes?: ProcessTable;
}

/** One master's registration; claim() and release() are idempotent. */
export class Registration {
  readonly name: string;
  private registry: Registry | undefined;
  private first = true;

  constructor(
    private readonly options: MasterOptions,
    private readonly listeners: readonly string[],
    private readonly log: RegistrationLog,
    private readonly how: RegistrationOptions,
  ) {
    // A successor handed over by 0.1.0 has no name in its options: it takes the default.
    this.name = options.name ?? defaultAppName(options.app);
  }

  /** Writes this master's entry. Throws only BATON_NAME_TAKEN, on a fresh master's first claim. */
  claim(): void {
    const refuse = this.how.refuseTaken && this.first;
    this.first = false;
    const processes = this.how.processes ?? REAL_PROCESSES;
    const live = (e: Entry) => verdict(e, processes).alive;
    try {
      const location = registryLocation(this.how.env);
      ensureDir(location.dir);
      if (refuse) {
        // The read-only locations too: a master a system unit runs registers in the fallback.
        for (const dir of location.also) {
          const other = readable(dir) ? new Registry(dir).read(this.name) : undefined;
          if (other && other.pid !== process.pid && live(other)) throw errors.nameTaken(this.name, other.pid, other.app, other.control);
        }
      }
      const registry = new Registry(location.dir);
      const entry = this.entry(processes);
      const result = registry.claim(entry, (current) => current === undefined || current.pid === process.pid || current.pid === this.how.predecessor || !live(current));
      if (!result.ok) {
        const { holder } = result;
        if (refuse) throw errors.nameTaken(this.name, holder.pid, holder.app, holder.control);
        this.log.error(`registry: the name "${this.name}" belongs to master ${holder.pid} (${holder.app}); this master is not listed by baton ls. Give one of them another --name.`);
        return;
      }
      if (!this.registry) this.log.info(`registered as "${this.name}" in ${location.dir}`);
      this.registry = registry;
    } catch (err) {
      if (isBatonError(err) && err.code === 'BATON_NAME_TAKEN') throw err;
      this.log.error(`registry: ${(err as Error).message}; the master serves on, but baton ls does not list it`);
    }
  }

  /** Removes the entry if it still names this process (after an upgrade it names the successor). */
  release(): void {
    const registry = this.registry;
    if (!registry) return;
    this.registry = undefined;
    const own = (this.how.processes ?? REAL_PROCESSES).identify(process.pid);
    try {
      registry.removeIf(this.name, (current) => current !== undefined && current.pid === process.pid && current.pidStart === own?.start);
    } catch (err) {
      this.log.error(`registry: ${(err as Error).message}`);
    }
  }

  private entry(processes: ProcessTable): Entry {
    const o = this.options;
    const own = processes.identify(process.pid);
    return {
      v: ENTRY_VERSION,
      name: this.name,
      pid: process.pid,
      pidStart: own?.start ?? '',
      bootId: processes.bootId() ?? null,
      control: o.control,
      app: o.app,
      cwd: o.cwd,
      listeners: [...this.listeners],
      startedAt: new Date(Date.now() - process.uptime() * 1000).toISOString(),
      logFile: o.logFile ?? null,
      pidFile: o.pidFile ?? null,
      node: o.nodePath,
      baton: { version: BATON_VERSION, cli: CLI },
      stop: { lbGraceMs: o.lbGraceMs ?? 0, drainTimeoutMs: o.drainTimeoutMs, killTimeoutMs: o.killTimeoutMs },
      source: o.source ?? null,
    };
  }
}

/** True if a read-only location exists and is safe to read (a bad one is skipped, never trusted). */
function readable(dir: string): boolean {
  try {
    return checkDir(dir, true) === 'ok';
  } catch {
    return false;
  }
}
