// The baton command line: the first word picks the command from one table; anything
// else is help, the successor entry point of an upgrade, or a usage error with a hint.
import { errors } from '../errors.js';
import { MAIN_HELP } from './help.js';
import type { Command, Out } from './parse.js';
import { closest } from '../suggest.js';

/**
 * The commands, in the order help and messages list them. Each is loaded when it runs:
 * `baton reload` or `baton status` loads only its own modules, not those of start (the
 * config schema, ecosystem files) or startup, which keeps every command a quick start.
 */
const COMMANDS = new Map<string, () => Promise<Command>>([
  ['start', async () => (await import('./commands/start.js')).start],
  ['reload', async () => (await import('./commands/reload.js')).reload],
  ['upgrade', async () => (await import('./commands/upgrade.js')).upgrade],
  ['status', async () => (await import('./commands/status.js')).status],
  ['stop', async () => (await import('./commands/stop.js')).stop],
  ['logs', async () => (await import('./commands/logs.js')).logs],
  ['ls', async () => (await import('./commands/ls.js')).ls],
  ['startup', async () => (await import('./commands/startup.js')).startup],
  ['unstartup', async () => (await import('./commands/startup.js')).unstartup],
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
      if (about) return (await about())(['--help'], out);
      throw unknownCommand(topic);
    }
    case '__successor': {
      // Started by a master during an upgrade, never by hand. Releases spawn it as
      // "node dist/src/cli/main.js __successor": a contract with older masters.
      const { runSuccessor } = await import('../master/main.js');
      return runSuccessor();
    }
  }
  const load = COMMANDS.get(command);
  if (load) return (await load())(rest, out);
  throw unknownCommand(command);
}

function unknownCommand(command: string): Error {
  const names = [...COMMANDS.keys()];
  const guess = closest(command, names);
  const hint = guess ? ` Did you mean "${guess}"?` : '';
  return errors.usage(`unknown command "${command}".${hint} Commands: ${names.join(', ')} (baton --help).`);
}
