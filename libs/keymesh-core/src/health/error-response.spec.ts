import { describe, expect, it } from 'vitest';
import { KeyPool } from '../pool/key-pool.js';
import { errorResponse } from './error-response.js';

/** An error of an SDK's shape (status, headers, request id), as the app itself might raise one. */
function sdkShaped(status: number): Error {
  return Object.assign(new Error(`HTTP ${status} from somewhere`), { status, headers: new Headers({ 'x-request-id': 'req_app' }), requestID: 'req_app' });
}

describe('errorResponse', () => {
  it('answers the errors a pool handed back', async () => {
    const pool = new KeyPool({ keys: ['sk-test-error-response-a'], retry: { maxAttempts: 1 } });
    const error = await pool.execute(() => Promise.reject(sdkShaped(401))).catch((e: unknown) => e);
    expect(errorResponse(error)).toMatchObject({ status: 502, body: { type: 'https://keymesh.dev/problems/upstream-credentials', requestId: 'req_app' } });
    await pool.close();
    const other = new KeyPool({ keys: ['sk-test-error-response-c'], retry: { maxAttempts: 1 } });
    const refused = await other.execute(() => Promise.reject(sdkShaped(400))).catch((e: unknown) => e);
    expect(errorResponse(refused)).toMatchObject({ status: 400, body: { type: 'https://keymesh.dev/problems/upstream-refused' } });
    await other.close();
  });

  it("leaves the app's own errors of the same shapes to its next error handler", () => {
    const appErrors = [
      sdkShaped(401),
      sdkShaped(404),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), // a database connection
      new TypeError('fetch failed'), // the app's own fetch
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('not found'), { name: 'ApiError', status: 404 }),
    ];
    for (const error of appErrors) expect(errorResponse(error)).toBeUndefined();
  });

  it('does not show the mark it relies on', async () => {
    const pool = new KeyPool({ keys: ['sk-test-error-response-b'], retry: { maxAttempts: 1 } });
    const error = (await pool.execute(() => Promise.reject(sdkShaped(500))).catch((e: unknown) => e)) as Error;
    expect(Object.keys(error)).toEqual(['status', 'headers', 'requestID']);
    expect(JSON.stringify(error)).not.toContain('keymesh');
    await pool.close();
  });
});
