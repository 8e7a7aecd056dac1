// `baton logs`: the last lines of the master's log file, and following it. Following
// survives logrotate (a new file at the path: the rest of the old one is read first,
// then the new one from its start), truncation, and master upgrades (the new master
// appends to the same path).
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

const CHUNK = 64 * 1024;

/** The last `n` lines of `file` (without their newlines) and the file's size when read. */
export function lastLines(file: string, n: number): { lines: string[]; size: number } {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    let start = size;
    let text = '';
    // Read backwards until the text holds n complete lines (or the file is exhausted).
    while (start > 0 && text.split('\n').length <= n + 1) {
      const length = Math.min(CHUNK, start);
      start -= length;
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, start);
      text = buffer.toString('utf8') + text;
    }
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    return { lines: n === 0 ? [] : lines.slice(-n), size };
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes everything appended to `file` after byte `from` to `out`, until `signal`
 * aborts. Polls every `everyMs`: a log file is written in bursts and a poll also sees
 * a rotation, which a watch on a moved file would not.
 */
export async function follow(file: string, from: number, out: (chunk: Buffer) => void, signal: AbortSignal, everyMs = 200): Promise<void> {
  let fd = openSync(file, 'r');
  let position = from;
  const buffer = Buffer.alloc(CHUNK);
  const drain = () => {
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, position);
      if (read === 0) return;
      position += read;
      out(Buffer.from(buffer.subarray(0, read)));
    }
  };
  try {
    while (!signal.aborted) {
      drain();
      const open = fstatSync(fd);
      if (open.size < position) position = 0; // Truncated in place (copytruncate).
      let atPath: ReturnType<typeof statSync> | undefined;
      try {
        atPath = statSync(file);
      } catch {
        // Moved and not created again yet: keep reading the old file.
      }
      if (atPath && atPath.ino !== open.ino) {
        // Rotated: finish the old file (a master may have written to it since), then switch.
        drain();
        closeSync(fd);
        fd = openSync(file, 'r');
        position = 0;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, everyMs);
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done);
      });
    }
  } finally {
    closeSync(fd);
  }
}
