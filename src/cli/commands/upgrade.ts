// baton upgrade: replace the master itself, optionally onto another node binary, whose
// path is resolved here, in the caller's directory. A name (or "all") picks the app(s)
// from the registry.
import { resolve } from 'node:path';
import { request } from '../../control/client.js';
import { targetOf } from '../apps.js';
import { runOnTarget } from '../each.js';
import { UPGRADE_HELP } from '../help.js';
import { CONTROL, parse } from '../parse.js';
import type { Out } from '../parse.js';

/** baton upgrade [<name>|all] [--node <path>] [--wait-drained]. */
export async function upgrade(argv: readonly string[], out: Out): Promise<number> {
  const { values, positionals } = parse('upgrade', argv, { ...CONTROL, node: { type: 'string' }, 'wait-drained': { type: 'boolean' } }, true);
  if (values.help) {
    out(UPGRADE_HELP + '\n');
    return 0;
  }
  const node = values.node === undefined ? undefined : resolve(values.node);
  const args = { ...(node === undefined ? {} : { node }), ...(values['wait-drained'] ? { waitDrained: true } : {}) };
  return runOnTarget(targetOf('upgrade', positionals, values.control), out, async (control) => {
    const result = await request(control, 'upgrade', args);
    return `upgraded: master ${result.previousPid} → ${result.pid} (node ${result.node})\n`;
  });
}
