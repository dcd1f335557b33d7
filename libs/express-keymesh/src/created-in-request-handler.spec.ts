import express from 'express';
import request from 'supertest';
import { httpAdapter } from '@keymesh/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closing, sleep } from './__tests__/harness.js';
import { CREATED_IN_REQUEST_HANDLER, keymesh } from './index.js';

const adapter = httpAdapter({ baseURL: 'http://127.0.0.1:1', auth: 'bearer' });
const options = () => ({ clients: { http: { adapter, keys: ['sk-test-created-aaaaaaaaaaaa'] } } });

let warnings: Error[];
const onWarning = (warning: Error) => warnings.push(warning);
beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
});

// The warning is once per process (per module instance under vitest), so these run in order.
describe('keymesh() created in a request handler', () => {
  it('stays silent when created at application start', async () => {
    closing(keymesh(options()));
    await sleep(1); // warnings are emitted on the next tick
    expect(warnings).toEqual([]);
  });

  it(`warns with ${CREATED_IN_REQUEST_HANDLER} and still answers the request`, async () => {
    const app = express();
    app.get('/', (_req, res) => {
      // A few helpers deep, past the default 10-frame stack limit.
      const deep = (n: number): ReturnType<typeof keymesh> => (n === 0 ? keymesh(options()) : deep(n - 1));
      const mesh = closing(deep(12));
      res.json({ pools: Object.keys(mesh.pools) });
    });

    await request(app).get('/').expect(200, { pools: ['http'] });

    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ name: 'KeymeshWarning', code: 'ERR_KEYMESH_CREATED_IN_REQUEST_HANDLER' });
    expect(warnings[0]!.message).toMatch(/once, at application start/);
    expect(Error.stackTraceLimit).toBe(10); // restored
  });

  it('warns only once', async () => {
    const app = express();
    app.get('/', (_req, res) => {
      closing(keymesh(options()));
      res.end();
    });
    await request(app).get('/').expect(200);
    await request(app).get('/').expect(200);
    expect(warnings).toEqual([]);
  });
});
