import { describe, expect, it } from 'vitest';
import { closestName } from './closest-name.js';

describe('closestName', () => {
  const known = ['client', 'adapter', 'fetch', 'keys', 'strategy', 'prefix', 'timeoutMs'];
  it.each([
    ['clinet', 'client'],
    ['cleint', 'client'],
    ['stratgy', 'strategy'],
    ['Strategy', 'strategy'],
    ['timeoutms', 'timeoutMs'],
    ['prefx', 'prefix'],
    ['key', 'keys'],
  ])('%s → %s', (typo, meant) => {
    expect(closestName(typo, known)).toBe(meant);
  });

  it('guesses nothing for a name that is not close to any', () => {
    expect(closestName('url', known)).toBeUndefined();
    expect(closestName('completelyDifferent', known)).toBeUndefined();
  });
});
