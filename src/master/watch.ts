// Development watch mode: any change to a file under the app's directory (except in
// node_modules and dot-directories) triggers a zero-downtime reload, debounced so a
// burst of saves makes one reload. A change during a reload makes one more afterwards.
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { join } from 'node:path';

export interface WatchOptions {
  dir: string;
  debounceMs?: number;
  /** Runs the reload; resolves or rejects when it is done. */
  reload: (changed: string) => Promise<unknown>;
  log: (message: string) => void;
}

/** True for paths the watcher ignores: anything in node_modules or a dot-directory/file. */
export function ignoredPath(relative: string): boolean {
  return relative.split(/[\\/]/).some((part) => part === 'node_modules' || part.startsWith('.'));
}

/** Starts watching; returns a function that stops it. */
export function watchForReload(options: WatchOptions): () => void {
  const debounceMs = options.debounceMs ?? 300;
  let timer: NodeJS.Timeout | undefined;
  let first: string | undefined;
  let running = false;
  let again = false;

  const run = async () => {
    timer = undefined;
    const changed = first!;
    first = undefined;
    if (running) {
      again = true;
      return;
    }
    running = true;
    options.log(`watch: ${changed} changed; reloading`);
    try {
      await options.reload(changed);
    } catch {
      // The reload logs its own failure; the old workers keep serving.
    } finally {
      running = false;
      if (again) {
        again = false;
        first ??= changed;
        timer = setTimeout(run, debounceMs);
      }
    }
  };

  const watcher: FSWatcher = watch(options.dir, { recursive: true }, (_event, name) => {
    const relative = name?.toString() ?? '';
    if (relative === '' || ignoredPath(relative)) return;
    first ??= join(options.dir, relative);
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, debounceMs);
  });
  watcher.on('error', (err) => options.log(`watch: stopped watching ${options.dir}: ${err.message}`));
  return () => {
    if (timer) clearTimeout(timer);
    watcher.close();
  };
}
