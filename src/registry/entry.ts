// One registry entry: what a live master says about itself, one JSON file per app. It
// crosses process and release boundaries (a master of one baton release writes it, the
// CLI of another reads it), so it carries a version, and fields are only ever added:
// a reader takes any entry with the fields it needs, and ignores the rest.
import type { StartSource } from '../protocol/handover.js';

/** The entry format this release writes. */
export const ENTRY_VERSION = 1;

/** A registered master. */
export interface Entry {
  v: number;
  name: string;
  pid: number;
  /** The pid's start time (clock ticks since boot, /proc/<pid>/stat): with bootId, the process's identity, so a reused pid is not taken for it. */
  pidStart: string;
  /** /proc/sys/kernel/random/boot_id when it registered; null where there is none. */
  bootId: string | null;
  /** Absolute path of its control socket. */
  control: string;
  /** Absolute path of the app's entry script. */
  app: string;
  /** The directory the app runs in. */
  cwd: string;
  /** Its listening addresses, as baton status names them. */
  listeners: string[];
  /** When this master process started (ISO 8601); after an upgrade, the new master's. */
  startedAt: string;
  logFile: string | null;
  pidFile: string | null;
  /** The Node.js binary it runs on. */
  node: string;
  /** The baton it runs: version, and the path of its command (dist/src/cli/baton.cjs). */
  baton: { version: string; cli: string };
  /** What a systemd unit's TimeoutStopSec must exceed. */
  stop: { lbGraceMs: number; drainTimeoutMs: number; killTimeoutMs: number };
  /** How it was started (flags, positionals, app args, cwd, config file), for baton startup; null from a master that did not know (a 0.1.0 handover). */
  source: StartSource | null;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

/** Parses an entry file's text; undefined if it is not an entry (garbled, or missing a field). */
export function parseEntry(text: string): Entry | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const e = raw as Partial<Entry>;
  const ok =
    isCount(e.v) &&
    isString(e.name) &&
    isCount(e.pid) &&
    isString(e.pidStart) &&
    (e.bootId === null || isString(e.bootId)) &&
    isString(e.control) &&
    isString(e.app) &&
    isString(e.cwd) &&
    isStrings(e.listeners) &&
    isString(e.startedAt) &&
    (e.logFile === null || isString(e.logFile)) &&
    (e.pidFile === null || isString(e.pidFile)) &&
    isString(e.node) &&
    typeof e.baton === 'object' &&
    e.baton !== null &&
    isString(e.baton.cli) &&
    typeof e.stop === 'object' &&
    e.stop !== null &&
    (e.source === null || (typeof e.source === 'object' && e.source !== undefined));
  return ok ? (e as Entry) : undefined;
}
