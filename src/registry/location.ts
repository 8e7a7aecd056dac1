// Where the app registry lives, and the rule that keeps it trustworthy: a directory of
// this user's own, mode 0700, never a symlink. Entries name control sockets and command
// lines that baton acts on (stop, startup), so a directory another user could write to
// (or list) is refused rather than used.
import { lstatSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { errors } from '../errors.js';

/** Set it to put the registry in a directory of your choice (tests use it; so may a service). */
export const REGISTRY_ENV = 'BATON_RUNTIME_DIR';

/** Where masters register (`dir`), and further directories `baton ls` reads (`also`). */
export interface Location {
  dir: string;
  also: string[];
}

/**
 * The registry's directory:
 *   1. $BATON_RUNTIME_DIR, when set: that directory alone;
 *   2. $XDG_RUNTIME_DIR/baton, when XDG_RUNTIME_DIR is set (a login session, a user unit);
 *   3. otherwise the fallback: /run/baton for root, /tmp/baton-<uid> for anyone else
 *      (tmux's rule for its sockets: a per-user name, owner and mode checked).
 * With 2, the fallback is read too: a master started where XDG_RUNTIME_DIR is not set
 * (a system unit, cron) registers in the fallback, and `baton ls` in a login shell
 * still lists it.
 */
export function registryLocation(env: NodeJS.ProcessEnv = process.env, uid = ownUid()): Location {
  const explicit = env[REGISTRY_ENV];
  if (explicit) return { dir: resolve(explicit), also: [] };
  const fallback = uid === 0 ? '/run/baton' : join('/tmp', `baton-${uid}`);
  const xdg = env.XDG_RUNTIME_DIR;
  // The XDG spec: a relative XDG_RUNTIME_DIR is invalid and must be ignored.
  if (xdg && xdg.startsWith('/')) return { dir: join(xdg, 'baton'), also: [fallback] };
  return { dir: fallback, also: [] };
}

/** What a registry directory is found to be. */
export type DirState = 'missing' | 'ok';

/**
 * Checks a registry directory: missing, or a real directory owned by this user with no
 * group or other permissions; anything else throws BATON_REGISTRY_UNSAFE. `reader`: root
 * may read another user's registry (to write that user's units), never write into it.
 */
export function checkDir(dir: string, reader = false, uid = ownUid()): DirState {
  let st;
  try {
    st = lstatSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw errors.registryFailed(dir, 'read', (err as NodeJS.ErrnoException).code ?? String(err));
  }
  if (st.isSymbolicLink()) throw errors.registryUnsafe(dir, 'is a symbolic link');
  if (!st.isDirectory()) throw errors.registryUnsafe(dir, 'is not a directory');
  if (st.uid !== uid && !(reader && uid === 0)) throw errors.registryUnsafe(dir, `belongs to uid ${st.uid}, not to you (uid ${uid})`);
  if ((st.mode & 0o077) !== 0) throw errors.registryUnsafe(dir, `has mode 0${(st.mode & 0o777).toString(8)}; it must be 0700`);
  return 'ok';
}

/** Creates the directory (mode 0700) if it is missing, then checks it as a writer. */
export function ensureDir(dir: string, uid = ownUid()): void {
  if (checkDir(dir, false, uid) === 'ok') return;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw errors.registryFailed(dir, 'create the directory', (err as NodeJS.ErrnoException).code ?? String(err));
  }
  // Checked again: someone may have made it first, with another owner or mode.
  checkDir(dir, false, uid);
}

/** The owner of a registry directory (root reading another user's registry writes units that run as them). */
export function dirOwner(dir: string): number {
  return lstatSync(dir).uid;
}

function ownUid(): number {
  return process.getuid?.() ?? 0;
}
