// Running one command against its target: a single master, as always (its errors go to
// the top-level catch), or every app for "all", one after another, each result on its
// own line; a failure does not stop the others, and makes the exit code 1.
import { isBatonError } from '../errors.js';
import type { Entry } from '../registry/entry.js';
import type { Target } from './apps.js';
import type { Out } from './parse.js';

/** What the command does with one control socket (and the app's entry, when named): the line(s) it prints. */
export type Action = (control: string, entry: Entry | undefined) => Promise<string>;

/**
 * Runs `action` on the target and prints what it returns. With "all", apps go in name
 * order and one at a time: a reload or an upgrade of every app at once would put the
 * host's CPUs under every app's new workers at the same moment.
 */
export async function runOnTarget(target: Target, out: Out, action: Action, format: { blocks?: boolean } = {}): Promise<number> {
  if (target.kind === 'one') {
    out(await action(target.control, target.entry));
    return 0;
  }
  let failed = 0;
  for (const app of target.apps) {
    try {
      out(prefixed(app.name, await action(app.entry.control, app.entry), format.blocks === true));
    } catch (err) {
      if (!isBatonError(err)) throw err;
      failed++;
      out(`${app.name}: failed: ${err.message}\n`);
    }
  }
  if (target.apps.length > 1) out(`${target.apps.length - failed} of ${target.apps.length} apps succeeded\n`);
  return failed > 0 ? 1 : 0;
}

/** "name: " before a one-line result; a longer one (a status table, log lines) under a header. */
function prefixed(name: string, text: string, block: boolean): string {
  const lines = text.replace(/\n$/, '').split('\n');
  if (!block && lines.length === 1) return `${name}: ${lines[0]}\n`;
  return `== ${name} ==\n${text === '' || text.endsWith('\n') ? text : text + '\n'}`;
}
