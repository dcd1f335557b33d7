import { beforeAll, describe, expect, it } from 'vitest';
import { PARTIAL_MARKER, blocksOf, buildPackages, checkBlocks, extractBlocks, findReadmes, type ReadmeBlock } from './readme-blocks.js';

/**
 * Every ```ts block of every README (root, libs/*, apps/*, examples/*) compiles, strict, against
 * the built packages and the real SDKs, as a reader who pastes it would see it. A block that is an
 * excerpt says so (`<!-- ts-check: partial -->` above its fence) and declares what it uses.
 */
describe('extractBlocks', () => {
  const markdown = [
    '# Title', // 1
    '```sh', // 2
    'npm install x', // 3
    '```', // 4
    '```ts', // 5
    "const a: number = 'no';", // 6
    '```', // 7
    PARTIAL_MARKER, // 8
    '', // 9
    '````typescript', // 10
    'declare const b: string;', // 11
    '```', // 12  (a shorter fence inside a longer one is content)
    '````', // 13
    '```json', // 14
    '{}', // 15
    '```', // 16
  ].join('\n');

  it('finds ts and typescript fences with the README line of their first code line, and the partial marker', () => {
    expect(extractBlocks('X.md', markdown)).toEqual([
      { readme: 'X.md', line: 6, code: "const a: number = 'no';", partial: false },
      { readme: 'X.md', line: 11, code: 'declare const b: string;\n```', partial: true },
    ]);
  });

  it('finds the READMEs of the root, libs, apps and examples', () => {
    const readmes = findReadmes();
    expect(readmes[0]).toBe('README.md');
    expect(readmes).toEqual(expect.arrayContaining(['libs/keymesh-core/README.md', 'libs/nestjs-keymesh/README.md', 'apps/demo-api/README.md', 'examples/express-chat/README.md']));
  });
});

describe('README code blocks', () => {
  beforeAll(() => buildPackages(), 300_000);

  it('every TypeScript block compiles against the built packages, reported by README and line', () => {
    const blocks = blocksOf(findReadmes());
    expect(blocks.length).toBeGreaterThan(20);
    // A known-bad block goes through the same program: the check must be able to fail, and say where.
    const selfTest: ReadmeBlock[] = [
      { readme: '(self-test)', line: 10, code: "import { KeyPool } from '@keymesh/core';\n\nnew KeyPool({ keys: 'sk-not-an-array' });", partial: false },
      { readme: '(self-test)', line: 20, code: 'declare const undeclaredUse: string;\nundeclaredUse.length;', partial: false },
    ];
    const problems = checkBlocks([...blocks, ...selfTest]);
    const own = problems.filter((p) => p.where.startsWith('(self-test)'));
    expect(own.map((p) => p.where)).toEqual(['(self-test):20', '(self-test):12']);
    const real = problems.filter((p) => !p.where.startsWith('(self-test)'));
    expect(real.map((p) => `${p.where}  ${p.message}`).join('\n')).toBe('');
  }, 300_000);
});
