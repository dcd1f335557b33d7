import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import type ts from 'typescript';
import { root } from './built-packages.js';

/**
 * Helpers of readme-blocks.spec.ts: find every README, pull out its TypeScript blocks, and
 * type-check them as a user's project would see them (packages resolved through node_modules to
 * their built `dist/`, the real SDKs installed here), reporting each problem at its README line.
 */

/** Written on its own line right above a fence (blank lines between allowed): the block is an excerpt. */
export const PARTIAL_MARKER = '<!-- ts-check: partial -->';

export interface ReadmeBlock {
  /** README path relative to the repository root. */
  readme: string;
  /** 1-based line of the block's first code line in the README. */
  line: number;
  code: string;
  /** Marked `<!-- ts-check: partial -->`: an excerpt that declares (`declare const …`) what it uses. */
  partial: boolean;
}

export interface BlockProblem {
  /** `libs/keymesh-core/README.md:42` */
  where: string;
  message: string;
}

/** The root README and those of libs/*, apps/* and examples/*. */
export function findReadmes(base = root): string[] {
  const found = existsSync(join(base, 'README.md')) ? ['README.md'] : [];
  for (const parent of ['libs', 'apps', 'examples']) {
    if (!existsSync(join(base, parent))) continue;
    for (const entry of readdirSync(join(base, parent), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const readme = join(parent, entry.name, 'README.md');
      if (entry.isDirectory() && existsSync(join(base, readme))) found.push(readme);
    }
  }
  return found;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)(.*)$/;

/** Every ```ts / ```typescript block of a Markdown text, with the line its code starts on. */
export function extractBlocks(readme: string, markdown: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    const closing = new RegExp(`^\\s*\\${fence![0]}{${fence!.length},}\\s*$`);
    const end = lines.findIndex((text, j) => j > i && closing.test(text));
    const close = end === -1 ? lines.length : end;
    if (lang === 'ts' || lang === 'typescript') {
      const code = lines
        .slice(i + 1, close)
        .map((text) => (text.startsWith(indent!) ? text.slice(indent!.length) : text))
        .join('\n');
      blocks.push({ readme, line: i + 2, code, partial: markedPartial(lines, i) });
    }
    i = close;
  }
  return blocks;
}

function markedPartial(lines: string[], fenceIndex: number): boolean {
  for (let j = fenceIndex - 1; j >= 0; j--) {
    const text = lines[j]!.trim();
    if (text === '') continue;
    return text === PARTIAL_MARKER;
  }
  return false;
}

/** The file a block says it is, on its first line: `// app.module.ts`. */
export function fileNameOf(block: ReadmeBlock): string | undefined {
  return /^\/\/ ([\w.-]+\.ts)\s*$/.exec(block.code.split('\n', 1)[0]!)?.[1];
}

/** Ambient stand-ins for the reader's own code: only a block marked partial may use them. */
const AMBIENT = /^declare\s+(const|let|var|function|class|enum)\b/m;

export function blocksOf(readmes: string[], base = root): ReadmeBlock[] {
  return readmes.flatMap((readme) => extractBlocks(readme, readFileSync(join(base, readme), 'utf8')));
}

/** Workspaces with a build, in dependency order (core first). */
export function publishedWorkspaces(base = root): string[] {
  const order = ['keymesh-core', 'keymesh-testing', 'keymesh-redis', 'express-keymesh', 'nestjs-keymesh', 'keymesh-opentelemetry', 'keymesh-proxy'];
  const present = readdirSync(join(base, 'libs')).filter((name) => existsSync(join(base, 'libs', name, 'tsconfig.build.json')));
  return [...order.filter((name) => present.includes(name)), ...present.filter((name) => !order.includes(name))].map((name) => `libs/${name}/tsconfig.build.json`);
}

/**
 * `tsc -b` over every published package: builds what is out of date (a `dist/` older than its
 * sources), skips the rest in well under a second, so a README is checked against current code.
 */
export function buildPackages(base = root): void {
  const tsc = createRequire(join(base, 'package.json')).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-b', ...publishedWorkspaces(base)], { cwd: base, stdio: 'pipe', encoding: 'utf8' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`the packages do not build, so their READMEs cannot be checked:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

/**
 * Type-checks every block in one program: each block is its own ES module in a scratch folder
 * under node_modules/.cache (so `@keymesh/*` and the SDKs resolve as in a user's project, to the
 * published types), compiled strict, with Nest's decorator settings.
 */
export function checkBlocks(blocks: ReadmeBlock[], base = root): BlockProblem[] {
  const problems: BlockProblem[] = [];
  for (const block of blocks) {
    if (!block.partial && AMBIENT.test(block.code)) {
      problems.push({ where: `${block.readme}:${block.line}`, message: `declares stand-ins (\`declare …\`) but is not marked partial: put ${PARTIAL_MARKER} above the fence, or make the block complete.` });
    }
  }
  const typescript = createRequire(join(base, 'package.json'))('typescript') as typeof ts;
  const dir = join(base, 'node_modules', '.cache', 'keymesh-readme-blocks');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  const files = new Map<string, ReadmeBlock>();
  for (const block of blocks) {
    // One folder per README; a block whose first line names its file (`// main.ts`) is written
    // under that name, so the README's files can import each other (`./app.module.js`).
    const folder = join(dir, block.readme.replace(/[/.]/g, '_'));
    mkdirSync(folder, { recursive: true });
    const named = fileNameOf(block);
    const file = join(folder, named !== undefined && !files.has(join(folder, named)) ? named : `L${block.line}.ts`);
    // `export {}` makes every block a module (top-level await, no globals shared between blocks).
    writeFileSync(file, `${block.code}\nexport {};\n`);
    files.set(file, block);
  }
  const { options, errors } = typescript.convertCompilerOptionsFromJson(
    {
      strict: true,
      target: 'ES2022',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      types: ['node'],
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      skipLibCheck: true,
      noEmit: true,
    },
    dir,
  );
  if (errors.length > 0) throw new Error(typescript.formatDiagnostics(errors, formatHost(typescript, dir)));
  const program = typescript.createProgram([...files.keys()], options);
  for (const diagnostic of typescript.getPreEmitDiagnostics(program)) {
    const message = typescript.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const block = diagnostic.file ? files.get(diagnostic.file.fileName) : undefined;
    if (!diagnostic.file || !block) {
      problems.push({ where: diagnostic.file ? relative(base, diagnostic.file.fileName) : '(program)', message });
      continue;
    }
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    problems.push({ where: `${block.readme}:${block.line + line}`, message: `TS${diagnostic.code}: ${message}` });
  }
  return problems;
}

function formatHost(typescript: typeof ts, dir: string): ts.FormatDiagnosticsHost {
  return { getCanonicalFileName: (name) => name, getCurrentDirectory: () => dir, getNewLine: () => '\n' };
}
