// Loads a PM2 ecosystem file (JSON, or JavaScript in either module format, as a config
// file loads) and translates it for this machine: its CPU count, the home directory and
// the directory baton start runs in.
import { availableParallelism, homedir } from 'node:os';
import { resolve } from 'node:path';
import { translateEcosystem } from './ecosystem.js';
import type { Ecosystem } from './ecosystem.js';
import { readConfigFile } from './file.js';

export interface EcosystemSelection {
  /** --env <profile>. */
  profile?: string | undefined;
  /** --only: app names. */
  only?: readonly string[] | undefined;
}

/** Reads the file at `path` (relative to `cwd`) and translates the apps selected. */
export async function readEcosystem(path: string, selection: EcosystemSelection = {}, cwd = process.cwd()): Promise<Ecosystem & { file: string }> {
  const file = resolve(cwd, path);
  const exported = await readConfigFile(file, 'ecosystem file');
  const ecosystem = translateEcosystem(exported, {
    file,
    cwd,
    home: homedir(),
    cpus: availableParallelism(),
    ...(selection.profile === undefined ? {} : { profile: selection.profile }),
    ...(selection.only === undefined ? {} : { only: selection.only }),
  });
  return { ...ecosystem, file };
}
