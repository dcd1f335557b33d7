import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Tests that load packages the way users do (plain Node, `dist/`) share these helpers. */
export const root = resolve(import.meta.dirname, '..');

/** Builds the workspaces whose `dist/` is missing (CI builds first, so this is for local runs). */
export function ensureBuilt(workspaces: Array<{ dir: string; name: string }>): void {
  for (const pkg of workspaces) {
    if (!existsSync(join(root, pkg.dir, 'dist/index.js'))) execFileSync('npm', ['run', 'build', '-w', pkg.name], { cwd: root, stdio: 'pipe' });
  }
}

/** Writes `source` to a scratch file inside the workspace (so packages resolve through node_modules) and returns its path. */
export function scratchFile(name: string, source: string): string {
  const dir = join(root, 'node_modules', '.cache', 'keymesh-tests');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

export function removeScratch(path: string): void {
  rmSync(path, { force: true });
}

/** A module-resolution hook file that makes the named packages fail to load, as if not installed. */
export function blockPackagesHook(name: string, packages: string[]): string {
  const pattern = packages.map((p) => p.replace(/[/]/g, '[/]')).join('|');
  return scratchFile(
    name,
    [
      `const blocked = /^(${pattern})([/]|$)/;`,
      'export async function resolve(specifier, context, next) {',
      "  if (blocked.test(specifier)) throw Object.assign(new Error('Cannot find package ' + specifier), { code: 'ERR_MODULE_NOT_FOUND' });",
      '  return next(specifier, context);',
      '}',
    ].join('\n'),
  );
}
