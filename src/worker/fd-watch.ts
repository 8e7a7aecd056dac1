// Running out of file descriptors, seen from inside a worker. Under EMFILE libuv accepts
// each new connection and closes it at once (so the listening socket does not spin),
// and nothing tells the app: this watch does, once per episode, by comparing the open
// fds with the open-files limit when the connection count comes near it. It costs a
// read of /proc/self/fd only then. When fds free up, accepting resumes by itself.
import { readdirSync, readFileSync } from 'node:fs';

/** Spare fds below the limit that count as "at the limit" (node itself holds some). */
const MARGIN = 8;
/** Connections plus this many fds of node's own may reach the limit: then count. */
const BASELINE = 40;

/** The soft open-files limit of this process, from /proc/self/limits (undefined if unknown). */
export function openFilesLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft && /^\d+$/.test(soft) ? Number(soft) : undefined;
  } catch {
    return undefined;
  }
}

/** Open fds of this process; 'EMFILE' if it has none left even to look; undefined if /proc cannot be read. */
function openFds(): number | 'EMFILE' | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch (err) {
    // Reading the directory needs an fd of its own: failing for want of one is the answer.
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EMFILE' || code === 'ENFILE' ? 'EMFILE' : undefined;
  }
}

/** Warns once when the worker reaches its open-files limit, and once when it is below it again. */
export class FdWatch {
  private exhausted = false;

  constructor(
    private readonly limit: number | undefined,
    private readonly warn: (message: string) => void,
  ) {}

  /** Called with the open connection count at each report; true while at the limit. */
  check(connections: number): boolean {
    const limit = this.limit;
    if (limit === undefined || (!this.exhausted && connections + BASELINE < limit)) return this.exhausted;
    const fds = openFds();
    if (fds === undefined) return this.exhausted;
    if (!this.exhausted && (fds === 'EMFILE' || fds >= limit - MARGIN)) {
      this.exhausted = true;
      this.warn(
        `worker ${process.pid} is at its open-files limit (${limit} fds, ulimit -n): new connections are closed at once (EMFILE) ` +
          'while it serves the ones it has. Raise the limit (ulimit -n, or LimitNOFILE= in the systemd unit).',
      );
    } else if (this.exhausted && fds !== 'EMFILE' && fds < limit * 0.9) {
      this.exhausted = false;
      this.warn(`worker ${process.pid} is below its open-files limit again (${fds} of ${limit} fds): accepting connections`);
    }
    return this.exhausted;
  }
}
