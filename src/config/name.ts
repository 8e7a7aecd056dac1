// An app's name: how `baton ls`, `baton reload <name>` and `baton startup` address one
// master among several on the host. It names a file in the registry and a systemd unit
// (baton-<name>.service), so it is one word of safe characters; "all" is the word that
// addresses every app, so no app may be called that.
import { basename, extname } from 'node:path';
import { errors } from '../errors.js';

/** Letters, digits, ".", "_" and "-", not starting with "." or "-": a file name and a unit name as is. */
const NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;

/** The word that addresses every app; never a name. */
export const ALL = 'all';

/** Why a name is refused, or undefined if it is a good one. */
export function nameProblem(name: string): string | undefined {
  if (name === ALL) return '"all" addresses every app and cannot be a name';
  if (!NAME.test(name)) return 'at most 64 letters, digits, ".", "_" or "-", not starting with "." or "-"';
  return undefined;
}

/** --name / "name": checked, or the default for this app when not given. */
export function parseAppName(text: string | undefined, app: string, option = '--name'): string {
  if (text === undefined) return defaultAppName(app);
  const problem = nameProblem(text);
  if (problem) throw errors.invalidOption(option, text, problem);
  return text;
}

/**
 * The name when none is given: the script's file name without its extension, as PM2
 * does (server.js → "server"), so PM2 users find their apps under the names they know.
 * Characters a name cannot hold become "-". Two apps with the same script name collide:
 * the second refuses to start and says to pass --name, rather than baton inventing
 * "server-2", a name that would depend on which app happened to start first and so
 * could not be written in scripts or units.
 */
export function defaultAppName(app: string): string {
  const stem = basename(app, extname(app)).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '').slice(0, 64);
  return stem === '' || stem === ALL ? 'app' : stem;
}
