// The registry directory's files: one <name>.json per app. Every change is atomic, so a
// reader never sees half an entry and two writers never both win: an entry is written
// to a temp file, then linked into place (fails if the name is taken) or renamed over
// an entry the writer may replace; a removal first renames the entry away, then checks
// it is the one it meant to remove (a master may have registered anew in between).
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errors } from '../errors.js';
import { parseEntry } from './entry.js';
import type { Entry } from './entry.js';

/** A file in the registry: an entry, or something that is not one (garbled, foreign). */
export type Listed = { name: string; file: string; entry: Entry } | { name: string; file: string; entry: undefined };

/** Claiming a name: done, or refused because a live master holds it. */
export type Claim = { ok: true } | { ok: false; holder: Entry };

/** One registry directory (it must already be checked: location.ts). */
export class Registry {
  constructor(readonly dir: string) {}

  /** The file of an app's entry. */
  file(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  /** Every entry file, by name; temp files (dot files) are skipped. */
  list(): Listed[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw errors.registryFailed(this.dir, 'list the entries', (err as NodeJS.ErrnoException).code ?? String(err));
    }
    return names
      .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
      .sort()
      .map((n) => {
        const name = n.slice(0, -'.json'.length);
        return { name, file: join(this.dir, n), entry: this.read(name) };
      });
  }

  /** The entry for a name, or undefined if there is none (or it is not an entry). */
  read(name: string): Entry | undefined {
    try {
      return parseEntry(readFileSync(this.file(name), 'utf8'));
    } catch {
      return undefined;
    }
  }

  /**
   * Writes an entry for its name. A free name is taken with link(), which fails if
   * another writer got there first; a taken one is replaced only if `mayReplace` says
   * so (the entry is this process's own, its predecessor's, or a dead master's).
   */
  claim(entry: Entry, mayReplace: (current: Entry | undefined) => boolean): Claim {
    const temp = this.temp(entry.name, 'tmp');
    this.write(temp, JSON.stringify(entry, null, 2) + '\n');
    try {
      try {
        linkSync(temp, this.file(entry.name));
        return { ok: true };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw this.failed('write the entry', err);
      }
      const current = this.read(entry.name);
      if (current !== undefined && !mayReplace(current)) return { ok: false, holder: current };
      // A garbled file is never a live master's: replaced like a stale one.
      try {
        renameSync(temp, this.file(entry.name));
      } catch (err) {
        throw this.failed('write the entry', err);
      }
      return { ok: true };
    } finally {
      try {
        unlinkSync(temp);
      } catch {
        // Renamed into place.
      }
    }
  }

  /**
   * Removes a name's entry if `test` holds for it (undefined: not an entry), so the
   * entry of a master that registered after the caller looked is left alone. Resolves
   * true if it removed one.
   */
  removeIf(name: string, test: (current: Entry | undefined) => boolean): boolean {
    // Looked at first without moving it: an entry that is not to go (the one an old
    // master finds, after an upgrade, naming its successor) is never out of place.
    if (existsSync(this.file(name)) && !test(this.read(name))) return false;
    const taken = this.temp(name, 'removing');
    try {
      renameSync(this.file(name), taken);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw this.failed('remove the entry', err);
    }
    let current: Entry | undefined;
    try {
      current = parseEntry(readFileSync(taken, 'utf8'));
    } catch {
      current = undefined;
    }
    const remove = test(current);
    if (!remove) {
      // Not the one we meant: put it back, unless a newer entry is in place already.
      try {
        linkSync(taken, this.file(name));
      } catch {
        // A newer one is there: it wins.
      }
    }
    unlinkSync(taken);
    return remove;
  }

  private write(path: string, text: string): void {
    try {
      writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      throw this.failed('write the entry', err);
    }
  }

  private temp(name: string, what: string): string {
    return join(this.dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.${what}`);
  }

  private failed(what: string, err: unknown) {
    return errors.registryFailed(this.dir, what, (err as NodeJS.ErrnoException).code ?? String(err));
  }
}
