// This checkout packed as npm publishes it (npm pack) and installed into a fresh app
// directory as a dependency, with npm and without network: the packages come from the
// npm cache that `npm ci` in this checkout filled.
//
// The app gets a package-lock.json, built from this checkout's, and is installed with
// `npm ci --offline`, as an app that commits its lockfile deploys. A plain
// `npm install --offline <tgz>` cannot work from that cache: npm install asks for each
// package's full metadata, while npm ci fetched only the abbreviated documents it needs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from './cluster.js';

/** Environment for npm and npx in these tests: never the network, no audit, no ads. */
export const NPM_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  npm_config_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

export interface AppInstall {
  /** The app's directory: package.json, its files, node_modules/baton-supervisor. */
  dir: string;
  /** The package name and version that npm pack made. */
  name: string;
  version: string;
}

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  dev?: boolean;
  [field: string]: unknown;
}

type Hooks = { after: (fn: () => unknown) => void };

/** Packs this checkout, writes `files` into a fresh app that depends on the tarball, and installs it offline. */
export function installPackedApp(t: Hooks, files: Record<string, string>): AppInstall {
  const tmp = tempDir('baton-app-');
  t.after(tmp.remove);
  // The build is already in dist/: --ignore-scripts packs it as it is, without a rebuild.
  const pack = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp.dir], ROOT);
  const [packed] = JSON.parse(pack.stdout) as Array<{ name: string; version: string; filename: string; integrity: string }>;
  if (!packed) throw new Error(`npm pack printed no package:\n${pack.stdout}`);
  const dir = join(tmp.dir, 'app');
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);

  const spec = `file:../${packed.filename}`;
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license?: string; dependencies?: Record<string, string>; bin?: unknown; engines?: unknown };
  const app = { name: 'app', version: '1.0.0', private: true, type: 'module', dependencies: { [packed.name]: spec } };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(app, null, 2) + '\n');
  const lock = {
    name: app.name,
    version: app.version,
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: app.name, version: app.version, dependencies: app.dependencies },
      [`node_modules/${packed.name}`]: {
        version: packed.version,
        resolved: spec,
        integrity: packed.integrity,
        license: manifest.license,
        dependencies: manifest.dependencies,
        bin: manifest.bin,
        engines: manifest.engines,
      },
      ...runtimeLockEntries(),
    },
  };
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2) + '\n');
  const install = spawnSync('npm', ['ci', '--offline'], { cwd: dir, env: NPM_ENV, encoding: 'utf8', timeout: 120_000 });
  if (install.status !== 0) {
    throw new Error(
      `npm ci --offline in a fresh app failed (${install.error?.message ?? `exit ${install.status}`}):\n${install.stderr}\n` +
        `Its packages come from the npm cache that "npm ci" in ${ROOT} fills: run "npm ci" there first.`,
    );
  }
  return { dir, name: packed.name, version: packed.version };
}

/**
 * This checkout's lockfile entries for baton's runtime dependencies and theirs, found as
 * node finds them (nested node_modules first): the same tree, hoisted the same way, in
 * the app.
 */
function runtimeLockEntries(): Record<string, LockEntry> {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const entries: Record<string, LockEntry> = {};
  const visit = (from: string, deps: Record<string, string>) => {
    for (const name of Object.keys(deps)) {
      const key = locate(lock.packages, from, name);
      if (key === undefined) throw new Error(`${name}, needed by ${from || 'baton'}, is not in ${join(ROOT, 'package-lock.json')}`);
      if (entries[key]) continue;
      const { dev: _dev, ...entry } = lock.packages[key]!;
      entries[key] = entry;
      visit(key, { ...entry.dependencies, ...entry.optionalDependencies });
    }
  };
  visit('', lock.packages['']!.dependencies ?? {});
  return entries;
}

/** The lockfile key node would load `name` from, for the package at lockfile key `from`. */
function locate(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  for (let dir = from; ; ) {
    const key = `${dir === '' ? '' : `${dir}/`}node_modules/${name}`;
    if (packages[key]) return key;
    if (dir === '') return undefined;
    const up = dir.lastIndexOf('/node_modules/');
    dir = up === -1 ? '' : dir.slice(0, up);
  }
}

function npm(args: string[], cwd: string): { stdout: string } {
  const result = spawnSync('npm', args, { cwd, env: NPM_ENV, encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stderr}`);
  return { stdout: result.stdout };
}
