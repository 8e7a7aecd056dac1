// The pid file names the live master at every moment: written atomically (temp file +
// rename) by a new master when it takes over, removed on a stop only if still ours.
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';

/** Writes this process's pid to `path` atomically. */
export function writePidFile(path: string, pid = process.pid): void {
  const temp = `${path}.${pid}.tmp`;
  writeFileSync(temp, `${pid}\n`);
  renameSync(temp, path);
}

/** Removes the pid file if it still names this process. */
export function removePidFile(path: string, pid = process.pid): void {
  try {
    if (readFileSync(path, 'utf8').trim() === String(pid)) unlinkSync(path);
  } catch {
    // Already gone.
  }
}
