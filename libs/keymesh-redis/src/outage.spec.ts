import { describe, expect, it } from 'vitest';
import { OutageReporter } from './outage.js';

describe('OutageReporter', () => {
  it('reports an outage once however many connections and failures it has, and its end once', () => {
    const lines: string[] = [];
    const reporter = new OutageReporter((line) => lines.push(line), (text) => text.replaceAll('pw', '***'));
    const heard: unknown[] = [];
    reporter.onError((info) => heard.push(info));
    reporter.onError(() => {
      throw new Error('a broken listener');
    });
    reporter.down('commands', 'save', Object.assign(new Error('connect ECONNREFUSED (pw)'), { code: 'ECONNREFUSED' }));
    reporter.down('pubsub', 'connection', new Error('again'));
    reporter.down('commands', 'admit', new Error('and again'));
    expect(heard).toEqual([{ operation: 'save', message: 'connect ECONNREFUSED (***)', code: 'ECONNREFUSED' }]);
    expect(lines).toHaveLength(1);
    expect(reporter.up('commands')).toBe(false); // pub/sub still down
    expect(reporter.up('pubsub')).toBe(true);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/reachable again/);
    reporter.down('commands', 'load', new Error('second outage'));
    expect(heard).toHaveLength(2);
  });

  it('reports a failure that is not an outage at most once a minute per operation', () => {
    const lines: string[] = [];
    const reporter = new OutageReporter((line) => lines.push(line), (text) => text);
    for (let i = 0; i < 5; i++) reporter.problem('decode', new Error('malformed'));
    reporter.problem('save', new Error('WRONGTYPE'));
    expect(lines).toEqual(['[keymesh/redis] decode failed: malformed', '[keymesh/redis] save failed: WRONGTYPE']);
  });
});
