// The apps on this host: every registry entry, judged by its process. A master that is
// gone has its entry removed here (the caller says so); the live ones are found by name.
// Shared by the CLI (baton ls, <name>, all) and the programmatic API.
import { errors } from '../errors.js';
import { closest } from '../suggest.js';
import type { Entry } from './entry.js';
import { REAL_PROCESSES, verdict } from './liveness.js';
import type { ProcessTable } from './liveness.js';
import { checkDir, registryLocation } from './location.js';
import { Registry } from './store.js';

/** A registered master whose process is alive. */
export interface App {
  name: string;
  entry: Entry;
  /** The registry directory it is in. */
  dir: string;
}

/** An entry whose master was gone: removed by this scan. */
export interface Gone {
  name: string;
  pid: number | undefined;
  why: string;
}

export interface Scan {
  /** Where masters register (the first place read). */
  dir: string;
  apps: App[];
  gone: Gone[];
  /** Read-only locations that could not be used, said as warnings. */
  warnings: string[];
}

export interface ScanOptions {
  env?: NodeJS.ProcessEnv;
  processes?: ProcessTable;
}

/**
 * Reads every location (location.ts), removes the entries of masters that are gone,
 * and returns the live ones by name. An unsafe registry directory is an error for the
 * main location, a warning for the read-only fallback.
 */
export function scanApps(options: ScanOptions = {}): Scan {
  const location = registryLocation(options.env);
  const processes = options.processes ?? REAL_PROCESSES;
  const scan: Scan = { dir: location.dir, apps: [], gone: [], warnings: [] };
  const seen = new Set<string>();
  for (const dir of [location.dir, ...location.also]) {
    try {
      if (checkDir(dir, true) === 'missing') continue;
    } catch (err) {
      if (dir === location.dir) throw err;
      scan.warnings.push((err as Error).message);
      continue;
    }
    const registry = new Registry(dir);
    for (const listed of registry.list()) {
      const entry = listed.entry;
      const judged = entry === undefined ? { alive: false as const, why: 'left a file that is not a baton entry' } : verdict(entry, processes);
      if (judged.alive) {
        // The same name in two locations: the main one wins, the other is said.
        if (seen.has(listed.name)) scan.warnings.push(`"${listed.name}" is registered twice; ${listed.file} is ignored`);
        else scan.apps.push({ name: listed.name, entry: entry!, dir });
        seen.add(listed.name);
        continue;
      }
      // Removed only if it is still the entry judged (a new master may have taken the name since).
      const removed = registry.removeIf(listed.name, (current) => (entry === undefined ? current === undefined : current?.pid === entry.pid && current.pidStart === entry.pidStart));
      if (removed) scan.gone.push({ name: listed.name, pid: entry?.pid, why: judged.why });
    }
  }
  scan.apps.sort((a, b) => a.name.localeCompare(b.name));
  return scan;
}

/** The live app of that name; else an error that says it is gone, or lists the names there are. */
export function findApp(scan: Scan, name: string): App {
  const app = scan.apps.find((a) => a.name === name);
  if (app) return app;
  const gone = scan.gone.find((g) => g.name === name);
  if (gone) throw errors.appGone(name, gone.pid, gone.why);
  const names = scan.apps.map((a) => a.name);
  throw errors.unknownApp(name, names, closest(name, names));
}
