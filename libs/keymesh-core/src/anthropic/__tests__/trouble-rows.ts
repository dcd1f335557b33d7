import Anthropic from '@anthropic-ai/sdk';
import { expect } from 'vitest';
import { isKeymeshError } from '@keymesh/core';
import type { Behaviour } from '@keymesh/testing';
import type { SetupOptions } from './harness.js';

/** Provider trouble, one row per fault: how to cause it, and what the caller gets when every attempt failed. */
export interface TroubleRow {
  name: string;
  behaviour: Behaviour;
  /** Asserts the error the caller gets when every attempt failed. */
  check(error: unknown): void;
  status?: number;
  options?: SetupOptions;
}

const exactly = (Class: abstract new (...args: never[]) => Error, status: number) => (error: unknown) => {
  expect(error).toBeInstanceOf(Class);
  expect((error as Error).constructor).toBe(Class);
  expect((error as { status?: number }).status).toBe(status);
};

export const troubleRows: TroubleRow[] = [
  { name: '500', behaviour: { kind: 'status', status: 500 }, status: 500, check: exactly(Anthropic.InternalServerError, 500) },
  { name: '503', behaviour: { kind: 'status', status: 503 }, status: 503, check: exactly(Anthropic.ServiceUnavailableError, 503) },
  { name: '529 overloaded', behaviour: { kind: 'status', status: 529 }, status: 529, check: exactly(Anthropic.OverloadedError, 529) },
  {
    name: 'connection reset',
    behaviour: { kind: 'reset' },
    check: (error) => {
      expect(error).toBeInstanceOf(Anthropic.APIConnectionError);
      expect((error as Error).constructor).toBe(Anthropic.APIConnectionError);
    },
  },
  {
    name: 'SDK timeout before headers',
    behaviour: { kind: 'ok', latencyMs: 1_000 },
    options: { client: { timeout: 120 } },
    check: (error) => expect(error).toBeInstanceOf(Anthropic.APIConnectionTimeoutError),
  },
  {
    name: 'attemptTimeoutMs',
    behaviour: { kind: 'ok', latencyMs: 1_000 },
    options: { pool: { attemptTimeoutMs: 120 } },
    check: (error) => {
      expect(isKeymeshError(error)).toBe(true);
      expect(error).toMatchObject({ name: 'AttemptTimeoutError', code: 'ERR_KEYMESH_ATTEMPT_TIMEOUT', timeoutMs: 120 });
    },
  },
  {
    name: 'stalled body (non-stream)',
    behaviour: { kind: 'stall_body' },
    options: { pool: { idleTimeoutMs: 80 } },
    check: (error) => {
      expect(isKeymeshError(error)).toBe(true);
      expect(error).toMatchObject({ name: 'StreamIdleTimeoutError', code: 'ERR_KEYMESH_STREAM_IDLE', idleTimeoutMs: 80 });
    },
  },
  {
    name: 'body dropped mid-way (non-stream)',
    behaviour: { kind: 'stream_drop', afterChunks: 0 },
    check: (error) => {
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe('terminated');
    },
  },
];

export const merge = (row: TroubleRow, extra: SetupOptions): SetupOptions => ({
  ...row.options,
  ...extra,
  pool: { ...row.options?.pool, ...extra.pool },
});

