// The one way baton ends a child process it started: SIGTERM, and SIGKILL if it is
// still there after a named deadline. The timer dies with the child, so a pid the
// kernel has reused is never signalled by a late SIGKILL.
import type { ChildProcess } from 'node:child_process';

/** SIGTERM now, SIGKILL after graceMs unless the child exited first; returns a cancel. */
export function escalate(child: ChildProcess, graceMs: number): () => void {
  if (child.exitCode !== null || child.signalCode !== null) return () => {};
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, graceMs);
  timer.unref();
  const cancel = () => clearTimeout(timer);
  child.once('exit', cancel);
  child.kill('SIGTERM');
  return cancel;
}
