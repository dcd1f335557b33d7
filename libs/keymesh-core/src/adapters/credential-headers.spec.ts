import { describe, expect, it } from 'vitest';
import { withCredential } from './credential-headers.js';

const credential = { Authorization: 'Bearer sk-test-pooled-aaaaaaaaaaaa', 'X-Api-Key': null };

describe('withCredential', () => {
  it('adds the credential to no headers', () => {
    expect(withCredential(undefined, credential)).toEqual(credential);
  });

  it('drops every case variant of the credential names from a plain object, keeping the rest', () => {
    expect(withCredential({ authorization: 'Bearer caller', 'x-API-key': 'k', 'X-Trace': '1' }, credential)).toEqual({ 'X-Trace': '1', ...credential });
  });

  it('reads a Headers instance and an array of tuples', () => {
    expect(withCredential(new Headers({ Authorization: 'x', 'x-trace': '2' }), credential)).toEqual({ 'x-trace': '2', ...credential });
    expect(withCredential([['AUTHORIZATION', 'x'], ['x-trace', '3']], credential)).toEqual({ 'x-trace': '3', ...credential });
  });

  it('keeps the removals of a Stainless nullable-headers object', () => {
    const nullable = { values: new Headers({ 'x-trace': '4' }), nulls: new Set(['x-stainless-timeout']) };
    expect(withCredential(nullable, credential)).toEqual({ 'x-trace': '4', 'x-stainless-timeout': null, ...credential });
  });

  it('puts the credential last so it wins when the SDK merges headers in order', () => {
    const merged = withCredential({ 'X-Trace': '1' }, credential);
    expect(Object.keys(merged).slice(-2)).toEqual(['Authorization', 'X-Api-Key']);
  });
});
