import { describe, expect, it } from 'vitest';
import { KeyNames } from './key-names.js';

describe('KeyNames', () => {
  const names = new KeyNames('keymesh:');

  it('puts each kind of entry under prefix + pool', () => {
    expect(names.state('openai', 'key_abc')).toBe('keymesh:openai:state:key_abc');
    expect(names.trial('openai', 'key_abc')).toBe('keymesh:openai:trial:key_abc');
    expect(names.limit('openai', 'key_abc')).toBe('keymesh:openai:limit:key_abc');
    expect(names.channel('openai')).toBe('keymesh:openai:changes');
  });

  it('cannot be made to collide by a `:` in a pool name or key id', () => {
    expect(names.state('a:state', 'b')).not.toBe(names.state('a', 'state:b'));
    expect(names.state('a:state', 'b')).toBe('keymesh:a%3Astate:state:b');
  });
});
