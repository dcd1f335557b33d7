/**
 * The wrapped openai client keeps the SDK's shape: APIPromise helpers, withOptions, pagination,
 * instanceof and resource identity, all routed through the pool; it never exposes a pooled
 * secret; and a tripwire fails loudly if the SDK internal the adapter hooks (`makeRequest`) changes.
 */
import { inspect } from 'node:util';
import OpenAI from 'openai';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { createKeymesh, poolOf } from '@keymesh/core/openai';
import type { KeyBehaviour } from '@keymesh/testing';
import {
  MESSAGES,
  MODEL,
  SECRET_A,
  SECRET_B,
  SECRETS,
  TEXT_A,
  TEXT_B,
  chat,
  expectNoSecretIn,
  expectSdkRetriesOff,
  useOpenAIHarness,
} from './__tests__/openai-kit.js';

const start = useOpenAIHarness();
const okB: KeyBehaviour = { kind: 'ok', text: TEXT_B };
const limitedA: KeyBehaviour = { kind: 'rate_limit', limit: 0, windowMs: 60_000 };

describe('APIPromise helpers through the pool', () => {
  it('.withResponse() gives { data, response, request_id } from the key that served, after a 429 on the first', async () => {
    const h = await start({ a: limitedA, b: okB });
    const promise = chat(h.client);
    expect(promise).toBeInstanceOf(Promise);
    expect(typeof promise.withResponse).toBe('function');
    const { data, response, request_id } = await promise.withResponse();

    expect(data.choices[0].message.content).toBe(TEXT_B);
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('10000');
    expect(request_id).toBe(response.headers.get('x-request-id'));
    expect(request_id).toMatch(/^req_/);
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B)]).toEqual([1, 1]);
    expectSdkRetriesOff(h.fake);
    expect(h.names()).toEqual(['key.rate_limited', 'request.retried', 'key.rotated', 'request.succeeded']);
  });

  it('.asResponse() gives the raw Response of the key that served, its body unread', async () => {
    const h = await start({ a: limitedA, b: okB });
    const response = await chat(h.client).asResponse();
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(response.bodyUsed).toBe(false);
    const body = (await response.json()) as OpenAI.Chat.Completions.ChatCompletion;
    expect(body.choices[0].message.content).toBe(TEXT_B);
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B)]).toEqual([1, 1]);
  });

  // BUG (shared file adapters/response-guard.ts, settleResponse): the Response handed back to the
  // SDK is rebuilt with `new Response(body, { status, statusText, headers })`, which drops `url`
  // (and `redirected`, `type`). A plain SDK call's `withResponse().response.url` is the request
  // URL; through Keymesh it is ''. Remove `.fails` once the guard carries these over.
  it('.withResponse().response.url is the request URL, as with the plain SDK', async () => {
    const h = await start({ a: { kind: 'ok', text: TEXT_A } });
    const plain = await chat(new OpenAI({ apiKey: SECRET_A, baseURL: h.fake.url, maxRetries: 0 })).withResponse();
    expect(plain.response.url).toBe(`${h.fake.url}/chat/completions`);
    const pooled = await chat(h.client).withResponse();
    expect(pooled.response.url).toBe(plain.response.url);
  });
});

describe('withOptions', () => {
  it('returns an OpenAI client that is still pooled, on the same pool, with the SDK retries still off', async () => {
    const h = await start({ a: limitedA, b: okB });
    const derived = h.client.withOptions({ timeout: 5_000, maxRetries: 3, apiKey: 'sk-test-ignored-override-key' });
    expect(derived).toBeInstanceOf(OpenAI);
    expect(derived).not.toBe(h.client);
    expect(derived.timeout).toBe(5_000);
    expect(derived.maxRetries).toBe(0);

    expect((await chat(derived)).choices[0].message.content).toBe(TEXT_B);
    // The pooled credential replaced the client's own: the fake saw only pooled keys, once each.
    expect(h.fake.requests.map((r) => r.key)).toEqual([SECRET_A, SECRET_B]);
    expectSdkRetriesOff(h.fake);
    const snapshot = poolOf(h.client).snapshot();
    expect(snapshot.keys.map((k) => [k.id, k.requests, k.lastErrorKind])).toEqual([['a', 1, 'rate_limited'], ['b', 1, null]]);
    expect(h.names()).toEqual(['key.rate_limited', 'request.retried', 'key.rotated', 'request.succeeded']);

    // …and a client derived from the derived one, too.
    await chat(derived.withOptions({ timeout: 4_000 }));
    expect(h.key('b').requests).toBe(2);
    expect(h.fake.countFor(SECRET_A)).toBe(1);
  });

  // GAP (shared file adapters/stainless.ts route() / adapters/create-keymesh.ts): a client from
  // `wrapped.withOptions()` is routed through the pool, but only the object createKeymesh returned
  // is registered for poolOf(), so poolOf(derived) throws ERR_KEYMESH_UNSUPPORTED_CLIENT.
  // Suggested fix: let the adapter register derived clients (e.g. a `register(derived)` callback in
  // AdapterOptions that create-keymesh backs with its `pools` WeakMap). Remove `.fails` then.
  it('poolOf(derived) returns the pool of the client it was derived from', async () => {
    const h = await start({ a: { kind: 'ok' } });
    expect(poolOf(h.client.withOptions({ timeout: 5_000 }))).toBe(h.pool);
  });
});

describe('pagination', () => {
  it('every page of a CursorPage goes through the pool: a 429 on the 2nd page request moves that page to key b', async () => {
    const h = await start({ a: [{ kind: 'ok' }, limitedA], b: okB });
    const ids: string[] = [];
    const pages = h.client.getAPIList<OpenAI.Models.Model, OpenAI.CursorPage<OpenAI.Models.Model>>('/models', OpenAI.CursorPage, { query: { limit: 2 } });
    for await (const model of pages) ids.push(model.id);

    expect(ids).toEqual(['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'o4-mini']);
    expect(h.fake.requests.map((r) => [r.key, r.query.after ?? null, r.status])).toEqual([
      [SECRET_A, null, 200],
      [SECRET_A, 'gpt-4o-mini', 429],
      [SECRET_B, 'gpt-4o-mini', 200],
      [SECRET_B, 'gpt-4.1-mini', 200],
    ]);
    expectSdkRetriesOff(h.fake);
    expect(h.names()).toEqual(['request.succeeded', 'key.rate_limited', 'request.retried', 'key.rotated', 'request.succeeded', 'request.succeeded']);
  });

  it('models.list() (a single Page in openai 7) is awaitable and iterable through the pool', async () => {
    const h = await start({ a: { kind: 'invalid_key' }, b: okB });
    const page = await h.client.models.list();
    expect(page.data.map((m) => m.id)).toHaveLength(5);
    const ids: string[] = [];
    for await (const model of h.client.models.list()) ids.push(model.id);
    expect(ids).toEqual(page.data.map((m) => m.id));
    expect([h.fake.countFor(SECRET_A), h.fake.countFor(SECRET_B)]).toEqual([1, 2]);
  });
});

describe('identity and secrets', () => {
  it('is an OpenAI instance whose resources keep their identity', async () => {
    const h = await start({ a: { kind: 'ok' } });
    const c = h.client;
    expect(c).toBeInstanceOf(OpenAI);
    expect(c.constructor).toBe(OpenAI);
    expect(c.chat).toBe(c.chat);
    expect(c.chat.completions).toBe(c.chat.completions);
    expect(c.models).toBe(c.models);
    expect(c.responses).toBe(c.responses);
    // Resource methods are called with `this` = the resource and reach the pooled client.
    const { create } = { create: c.chat.completions.create.bind(c.chat.completions) };
    await create({ model: MODEL, messages: MESSAGES });
    expect(h.key('a').requests).toBe(1);
  });

  it('never exposes a pooled secret: apiKey, inspect, a (cycle-safe) JSON walk, derived clients', async () => {
    const h = await start({ a: { kind: 'ok' }, b: okB });
    await chat(h.client);
    for (const c of [h.client, h.client.withOptions({ timeout: 1_000 })]) {
      expect(c.apiKey).toBe('unused-placeholder');
      expect(SECRETS).not.toContain(c.apiKey);
      const printed = inspect(c, { depth: Infinity, showHidden: true, getters: false });
      expect(printed).toContain('unused-placeholder'); // the walk does reach the credential fields
      expectNoSecretIn(printed);
      expectNoSecretIn(cycleSafeJson(c));
    }
    // JSON.stringify of an openai 7 client throws (a resource points back at the client), wrapped or not.
    expect(() => JSON.stringify(new OpenAI({ apiKey: 'x', baseURL: h.fake.url }))).toThrow(TypeError);
    expect(() => JSON.stringify(h.client)).toThrow(/circular/);
    expectNoSecretIn(h.pool.snapshot());
    expectNoSecretIn(h.events);
  });

  it('refuses to pool an already-pooled client (ERR_KEYMESH_CLIENT_ALREADY_POOLED), derived ones included', async () => {
    const h = await start({ a: { kind: 'ok' } });
    const keys = [SECRET_B];
    expect(() => createKeymesh({ client: h.client, keys })).toThrow(expect.objectContaining({ code: 'ERR_KEYMESH_CLIENT_ALREADY_POOLED' }));
    expect(() => createKeymesh({ client: h.client.withOptions({}), keys })).toThrow(expect.objectContaining({ code: 'ERR_KEYMESH_CLIENT_ALREADY_POOLED' }));
  });

  it('leaves the original client untouched: its own retries, its own key, no pool; it can be wrapped again', async () => {
    const h = await start({ a: { kind: 'ok', text: TEXT_A }, b: okB });
    const original = new OpenAI({ apiKey: SECRET_B, baseURL: h.fake.url });
    const wrapped = createKeymesh({ client: original, keys: [SECRET_A] });
    try {
      expect(original.maxRetries).toBe(2);
      expect(Object.prototype.hasOwnProperty.call(original, 'makeRequest')).toBe(false);
      expect((await chat(original)).choices[0].message.content).toBe(TEXT_B);
      expect((await chat(wrapped)).choices[0].message.content).toBe(TEXT_A);
      expect(poolOf(wrapped).snapshot().keys[0].requests).toBe(1);
      const again = createKeymesh({ client: original, keys: [SECRET_B] });
      expect(poolOf(again)).not.toBe(poolOf(wrapped));
      await poolOf(again).close();
    } finally {
      await poolOf(wrapped).close();
    }
  });

  it('tripwire: the SDK still routes every call through OpenAI.prototype.makeRequest(options, retriesRemaining, …)', async () => {
    const proto = OpenAI.prototype as unknown as { makeRequest: (options: unknown, retriesRemaining: number | null, ...rest: unknown[]) => Promise<unknown> };
    // If any of these fail, the openai SDK changed the internal the adapter hooks (adapters/stainless.ts).
    expect(typeof proto.makeRequest).toBe('function');
    expect(proto.makeRequest.length).toBe(3);
    expect(typeof OpenAI.prototype.withOptions).toBe('function');
    expect(typeof OpenAI.APIUserAbortError).toBe('function');

    const spy = vi.spyOn(proto, 'makeRequest');
    try {
      const h = await start({ a: limitedA, b: okB }); // created after the spy: the adapter wraps the spied method
      await chat(h.client);
      await h.client.chat.completions.stream({ model: MODEL, messages: MESSAGES }).finalChatCompletion();
      for await (const _ of h.client.getAPIList('/models', OpenAI.CursorPage, { query: { limit: 3 } })) void _;
      // 2 attempts for create (429 then b), 1 for the helper, 3 for the 2 pages: the 429 sidelined
      // a for the chat model only, so the model list (scope 'default') tries a once more.
      expect(spy).toHaveBeenCalledTimes(6);
      for (const [options, retriesRemaining] of spy.mock.calls) {
        expect(retriesRemaining).toBe(0);
        expect(options).toMatchObject({ maxRetries: 0, headers: { Authorization: expect.stringMatching(/^Bearer sk-test-keymesh-openai-[ab]{4}$/) } });
      }
      expect(h.payloads('request.succeeded')).toHaveLength(4);
      expect(h.fake.requests).toHaveLength(6);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('rate-limit headers of successful responses', () => {
  it('feed headroom, and remaining 0 sidelines the key until its reset before it ever answers 429', async () => {
    const h = await start({ a: { kind: 'rate_limit', limit: 3, windowMs: 60_000, text: TEXT_A }, b: okB });
    const headroom: Array<number | null> = [];
    // A small max_tokens keeps each request's token estimate inside the fake's 1,000 tokens a request.
    const small = () => h.client.chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: 16 });
    for (let i = 0; i < 3; i++) {
      expect((await small()).choices[0].message.content).toBe(TEXT_A);
      headroom.push(h.key('a').headroom);
    }
    expect(headroom).toEqual([2 / 3, 1 / 3, 0]);
    expect(h.key('b').headroom).toBeNull(); // not reported yet

    const [limited] = h.payloads('key.rate_limited');
    expect(limited).toMatchObject({ keyId: 'a', source: 'headers' });
    expect(limited.until - limited.at).toBeGreaterThan(58_000);
    expect(limited.until - limited.at).toBeLessThanOrEqual(60_000);
    expect(h.key('a')).toMatchObject({ state: 'closed', available: false, availableAt: limited.until, failures: 0, lastErrorKind: null });

    expect((await chat(h.client)).choices[0].message.content).toBe(TEXT_B);
    expect(h.fake.requestsFor(SECRET_A).map((r) => r.status)).toEqual([200, 200, 200]); // never a 429
    expect(h.key('b').headroom).toBe(9_999 / 10_000);
    expect(h.names()).toEqual(['request.succeeded', 'request.succeeded', 'key.rate_limited', 'request.succeeded', 'request.succeeded']);
  });

  it("the 'headroom' strategy moves to the key with the most quota left", async () => {
    const h = await start({ a: { kind: 'rate_limit', limit: 4, windowMs: 60_000 }, b: okB, pool: { strategy: 'headroom' } });
    for (let i = 0; i < 3; i++) await chat(h.client);
    expect(h.fake.requests.map((r) => r.key)).toEqual([SECRET_A, SECRET_B, SECRET_B]);
    expect(h.key('a').headroom).toBe(0.75);
  });
});

describe('types', () => {
  it('createKeymesh({ client }) is typed as the SDK client, assignable both ways', async () => {
    const h = await start({ a: { kind: 'ok' } });
    const wrapped = createKeymesh({ client: new OpenAI({ apiKey: 'unused', baseURL: h.fake.url }), keys: [SECRET_A] });
    try {
      expectTypeOf(wrapped).toEqualTypeOf<OpenAI>();
      const asSdk: OpenAI = wrapped;
      let back: typeof wrapped = new OpenAI({ apiKey: 'unused', baseURL: h.fake.url });
      back = asSdk;
      expectTypeOf(wrapped.chat.completions.create).toEqualTypeOf<OpenAI['chat']['completions']['create']>();
      expectTypeOf(wrapped.withOptions({})).toEqualTypeOf<OpenAI>();
      expect(back).toBe(wrapped);
      // An unknown option is a type error and a ConfigError at run time.
      // @ts-expect-error `retrys` is not an option
      expect(() => createKeymesh({ client: new OpenAI({ apiKey: 'unused' }), keys: [SECRET_A], retrys: 1 })).toThrow(
        expect.objectContaining({ code: 'ERR_KEYMESH_UNKNOWN_OPTION' }),
      );
    } finally {
      await poolOf(wrapped).close();
    }
  });
});

/** JSON of every own enumerable property reachable from `value`, each object once, functions skipped. */
function cycleSafeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'function') return undefined;
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[seen]';
      seen.add(v);
    }
    return v;
  });
}
