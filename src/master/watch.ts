// Development watch mode: any change to a file under the app's directory (except in
// node_modules, dot-files and dot-directories, and the master's own log, pid and control
// files) triggers a zero-downtime reload, debounced so a burst of saves makes one reload.
// A change during a reload makes one more afterwards.
//
// Files are followed with chokidar, not fs.watch: editors save by writing a new file
// and renaming it over the old one (sed -i, vim, VS Code's safe write), and fs.watch on
// Linux watches the inode, so after the first such save it hears nothing more from that
// file. chokidar watches the directories too, re-watches a path that was replaced, and
// (atomic mode) reports a delete followed by a create as one change. Version 4 has a
// single dependency (readdirp) and supports every Node.js baton runs on (>= 20.6);
// version 5 and later need Node.js 20.19 and 22.22.
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { watch } from 'chokidar';

export interface WatchOptions {
  dir: string;
  debounceMs?: number;
  /** Absolute paths never to react to: the master's own log file, pid file and control socket. */
  skip?: readonly string[];
  /** Runs the reload; resolves or rejects when it is done. */
  reload: (changed: string) => Promise<unknown>;
  log: (message: string) => void;
  /** Called once the initial scan is done: from then on every change is seen. */
  ready?: (files: number) => void;
}

/** True for paths the watcher ignores: anything in node_modules or a dot-directory, and dot-files. */
export function ignoredPath(relative: string): boolean {
  return relative.split(/[\\/]/).some((part) => part === 'node_modules' || part.startsWith('.'));
}

/** What a reload's log line names: the changed paths that still exist (an editor's temp file is gone by then). */
export function describeChanges(paths: readonly string[]): string {
  const present = paths.filter((p) => existsSync(p));
  const named = present.length > 0 ? present : paths;
  if (named.length === 1) return `${named[0]} changed`;
  const shown = named.slice(0, 3).join(', ');
  return `${named.length} files changed (${shown}${named.length > 3 ? ', ...' : ''})`;
}

/** Starts watching; returns a function that stops it. */
export function watchForReload(options: WatchOptions): () => void {
  const debounceMs = options.debounceMs ?? 300;
  const dir = resolve(options.dir);
  const skip = new Set((options.skip ?? []).map((p) => resolve(p)));
  let timer: NodeJS.Timeout | undefined;
  /** Paths changed since the last reload began, in the order first seen. */
  let changed: string[] = [];
  let running = false;
  let again = false;

  const run = async () => {
    timer = undefined;
    if (running) {
      again = true;
      return;
    }
    const paths = changed;
    changed = [];
    running = true;
    const what = describeChanges(paths);
    options.log(`watch: ${what}; reloading`);
    try {
      await options.reload(paths[0]!);
    } catch {
      // The reload logs its own failure; the old workers keep serving.
    } finally {
      running = false;
      if (again) {
        again = false;
        timer = setTimeout(run, debounceMs);
      }
    }
  };

  const onChange = (path: string) => {
    if (!changed.includes(path)) changed.push(path);
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, debounceMs);
  };

  const watcher = watch(dir, {
    ignoreInitial: true,
    // A file deleted and created again within 100 ms is one change, not two.
    atomic: true,
    ignored: (path: string) => skip.has(path) || ignoredPath(relative(dir, path)),
  });
  watcher.on('add', onChange);
  watcher.on('change', onChange);
  watcher.on('unlink', onChange);
  watcher.on('unlinkDir', onChange);
  // A new directory counts itself: a file written into it at once can fall between
  // chokidar's scan of the directory and its watch on it, and would go unheard.
  watcher.on('addDir', onChange);
  watcher.on('ready', () => {
    const watched = watcher.getWatched();
    options.ready?.(Object.values(watched).reduce((sum, names) => sum + names.length, 0));
  });
  watcher.on('error', (err) => options.log(`watch: error while watching ${dir}: ${(err as Error).message}; changes may be missed until baton restarts`));
  return () => {
    if (timer) clearTimeout(timer);
    void watcher.close();
  };
}
