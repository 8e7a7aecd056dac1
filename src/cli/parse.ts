// Every command parses its flags strictly: an unknown flag or a missing value is a usage
// error (exit 2) that points at the command's --help (and at the flag most likely meant),
// never a guess acted on.
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { errors } from '../errors.js';
import { closest } from '../suggest.js';

/** A command's flags, as node:util parseArgs takes them. */
export type Options = NonNullable<ParseArgsConfig['options']>;

/** Where a command writes what it prints: stdout, or a test's buffer. */
export type Out = (s: string) => void;

/** A command of the CLI: its arguments (after its name) in, the exit code out. */
export type Command = (argv: readonly string[], out: Out) => Promise<number>;

/** The flags every command but start takes (start's come from the settings schema). */
export const CONTROL = { control: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const satisfies Options;

/** Parses a command's arguments; the values are typed by `options`. */
export function parse<O extends Options>(command: string, args: readonly string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (err) {
    // parseArgs suggests "--" for a stray positional; for baton that hint misleads.
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '').replace(/\.?$/, '.');
    throw errors.usage(`${message}${flagHint(message, options)} (see "baton ${command} --help")`);
  }
}

/** " Did you mean --workers?" for a mistyped long flag, when one is close enough. */
function flagHint(message: string, options: Options): string {
  const unknown = /^Unknown option '--([^'=]+)'/.exec(message)?.[1];
  const guess = unknown === undefined ? undefined : closest(unknown, Object.keys(options));
  return guess ? ` Did you mean --${guess}?` : '';
}
