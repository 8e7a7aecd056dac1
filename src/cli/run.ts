// The baton command line: the first word picks the command from one table; anything
// else is help, the successor entry point of an upgrade, or a usage error with a hint.
import { errors } from '../errors.js';
import { logs } from './commands/logs.js';
import { ls } from './commands/ls.js';
import { reload } from './commands/reload.js';
import { start } from './commands/start.js';
import { startup, unstartup } from './commands/startup.js';
import { status } from './commands/status.js';
import { stop } from './commands/stop.js';
import { upgrade } from './commands/upgrade.js';
import { MAIN_HELP } from './help.js';
import type { Command, Out } from './parse.js';
import { closest } from '../suggest.js';

/** The commands, in the order help and messages list them. */
const COMMANDS = new Map<string, Command>([
  ['start', start],
  ['reload', reload],
  ['upgrade', upgrade],
  ['status', status],
  ['stop', stop],
  ['logs', logs],
  ['ls', ls],
  ['startup', startup],
  ['unstartup', unstartup],
]);

/** Runs a CLI invocation; resolves with the process exit code. */
export async function runCli(argv: readonly string[], out: Out = (s) => process.stdout.write(s)): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
      out(MAIN_HELP + '\n');
      return command === undefined ? 2 : 0;
    case 'help': {
      // "baton help start" is "baton start --help".
      const topic = rest[0];
      if (topic === undefined) {
        out(MAIN_HELP + '\n');
        return 0;
      }
      const about = COMMANDS.get(topic);
      if (about) return about(['--help'], out);
      throw unknownCommand(topic);
    }
    case '__successor': {
      // Started by a master during an upgrade, never by hand. Releases spawn it as
      // "node dist/src/cli/main.js __successor": a contract with older masters.
      const { runSuccessor } = await import('../master/main.js');
      return runSuccessor();
    }
  }
  const run = COMMANDS.get(command);
  if (run) return run(rest, out);
  throw unknownCommand(command);
}

function unknownCommand(command: string): Error {
  const names = [...COMMANDS.keys()];
  const guess = closest(command, names);
  const hint = guess ? ` Did you mean "${guess}"?` : '';
  return errors.usage(`unknown command "${command}".${hint} Commands: ${names.join(', ')} (baton --help).`);
}
