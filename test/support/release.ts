// baton installed the way users have it, in a temp dir and without network: a packed
// release laid out as npm lays it out (<dir>/node_modules/baton/), the current build
// written over it as an in-place deploy does, or the current build copied where a
// user who cannot read this checkout can run it. Each temp dir is removed after the test.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ROOT, tempDir } from './cluster.js';

/** The packed releases tests upgrade from (see test/fixtures/releases/README.md). */
export const RELEASES = join(ROOT, 'test', 'fixtures', 'releases');

/** A baton package installed in a project dir. */
export interface Installed {
  /** The project dir: the one that holds node_modules/baton. */
  dir: string;
  /** <dir>/node_modules/baton */
  packageDir: string;
  /** The package's CLI, dist/src/cli/main.js (what its `baton` bin runs). */
  cli: string;
  /** The version in the package's package.json now. */
  version: string;
}

type Hooks = { after: (fn: () => unknown) => void };

/**
 * Extracts a packed release (npm pack's .tgz) into a fresh temp dir as node_modules/baton.
 * Its runtime dependencies resolve from this checkout's node_modules through a symlink,
 * so nothing is fetched; node resolves a symlinked package by its real path, so
 * prom-client finds its own dependencies there too.
 */
export function installRelease(t: Hooks, tarball: string): Installed {
  const tmp = tempDir('baton-release-');
  t.after(tmp.remove);
  const packageDir = join(tmp.dir, 'node_modules', 'baton');
  mkdirSync(packageDir, { recursive: true });
  // npm pack puts every file under package/.
  const tar = spawnSync('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1', '--no-same-owner', 'package/'], { encoding: 'utf8', timeout: 30_000 });
  if (tar.status !== 0) throw new Error(`tar could not extract ${tarball} (${tar.error?.message ?? `exit ${tar.status}`}): ${tar.stderr}`);
  const installed = describe(tmp.dir);
  const wanted = Object.keys(readPackage(packageDir).dependencies ?? {});
  const missing = wanted.filter((name) => !existsSync(join(ROOT, 'node_modules', name, 'package.json')));
  if (missing.length > 0) throw new Error(`baton ${installed.version} needs ${missing.join(', ')}, missing from ${join(ROOT, 'node_modules')}: run npm ci`);
  symlinkSync(join(ROOT, 'node_modules'), join(packageDir, 'node_modules'), 'dir');
  return installed;
}

/**
 * Writes this checkout's build over an installed package as a deploy does: its dist/src
 * and package.json become this checkout's (files the new build no longer has are gone).
 * Processes already running keep the code they loaded; whatever starts next loads this.
 */
export function deployCurrentBuild(installed: Installed): Installed {
  const dist = join(installed.packageDir, 'dist', 'src');
  rmSync(dist, { recursive: true, force: true });
  cpSync(join(ROOT, 'dist', 'src'), dist, { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(installed.packageDir, 'package.json'));
  return describe(installed.dir);
}

/**
 * This checkout's build (dist/src, package.json and its runtime dependencies, copied)
 * installed in a fresh temp dir that every user can read, for running the CLI as
 * another user: this checkout may sit where only its owner can enter.
 */
export function installReadableBuild(t: Hooks): Installed {
  const tmp = tempDir('baton-readable-');
  t.after(tmp.remove);
  const packageDir = join(tmp.dir, 'node_modules', 'baton');
  cpSync(join(ROOT, 'dist', 'src'), join(packageDir, 'dist', 'src'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(packageDir, 'package.json'));
  for (const dep of runtimeDependencies()) {
    cpSync(dep, join(packageDir, relative(ROOT, dep)), { recursive: true, dereference: true });
  }
  makeReadable(tmp.dir);
  return describe(tmp.dir);
}

function describe(dir: string): Installed {
  const packageDir = join(dir, 'node_modules', 'baton');
  return { dir, packageDir, cli: join(packageDir, 'dist', 'src', 'cli', 'main.js'), version: readPackage(packageDir).version };
}

interface PackageJson {
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function readPackage(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/**
 * The package dirs in this checkout's node_modules that baton needs at run time: its
 * dependencies and theirs, found as node finds them (nearest node_modules first). A
 * package nested in another one is copied with it, so it is not listed on its own.
 */
function runtimeDependencies(): string[] {
  const found = new Set<string>();
  const visit = (from: string) => {
    const pkg = readPackage(from);
    const optional = new Set(Object.keys(pkg.optionalDependencies ?? {}));
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      const dir = resolvePackage(from, name);
      if (dir === undefined) {
        if (optional.has(name)) continue;
        throw new Error(`${name}, needed by ${from}, is not installed: run npm ci`);
      }
      if (found.has(dir)) continue;
      found.add(dir);
      visit(dir);
    }
  };
  visit(ROOT);
  return [...found].filter((dir) => ![...found].some((other) => other !== dir && dir.startsWith(other + sep)));
}

/** Where node would find package `name` from dir `from`, looking no higher than this checkout. */
function resolvePackage(from: string, name: string): string | undefined {
  const root = resolve(ROOT);
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || !dir.startsWith(root + sep)) return undefined;
  }
}

/** Directories 0755, files 0644 (0755 if their owner may run them); symlinks are left as they are. */
function makeReadable(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    chmodSync(path, 0o755);
    for (const entry of readdirSync(path)) makeReadable(join(path, entry));
  } else chmodSync(path, stat.mode & 0o100 ? 0o755 : 0o644);
}
