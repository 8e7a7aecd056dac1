// A command's target, as the CLI sees it: an app's name, "all", or (as before names
// existed) the control socket from --control, BATON_CONTROL or ./.baton.sock. The apps
// themselves are found by src/registry/scan.ts.
import { controlPath } from '../config/options.js';
import { ALL } from '../config/name.js';
import { errors } from '../errors.js';
import type { Entry } from '../registry/entry.js';
import { findApp, scanApps } from '../registry/scan.js';
import type { App, ScanOptions } from '../registry/scan.js';

export { findApp, scanApps } from '../registry/scan.js';
export type { App, Gone, Scan, ScanOptions } from '../registry/scan.js';

/** What a command acts on: one control socket (maybe named), or every app. */
export type Target = { kind: 'one'; control: string; name: string | undefined; entry: Entry | undefined } | { kind: 'all'; apps: App[] };

/**
 * The target of reload, upgrade, stop, status or logs: no name → the control socket as
 * before; a name → that app's control socket; "all" → every live app. A name and
 * --control together are ambiguous and refused.
 */
export function targetOf(command: string, positionals: readonly string[], control: string | undefined, options: ScanOptions = {}): Target {
  if (positionals.length > 1) throw errors.usage(`baton ${command} takes one app name (or "all"), not ${positionals.length} (see "baton ${command} --help")`);
  const name = positionals[0];
  if (name === undefined) return { kind: 'one', control: controlPath(control, options.env), name: undefined, entry: undefined };
  if (control !== undefined) throw errors.usage(`give an app name or --control, not both (see "baton ${command} --help")`);
  const scan = scanApps(options);
  if (name === ALL) {
    if (scan.apps.length === 0) throw errors.noApps();
    return { kind: 'all', apps: scan.apps };
  }
  const app = findApp(scan, name);
  return { kind: 'one', control: app.entry.control, name, entry: app.entry };
}
