/**
 * The response an attempt hands back once it has read the body (or a stream's first event):
 * the provider's own `Response` object, its body served from what was read. Building a new
 * `Response` around the read body cost ~14 µs a call (undici validates and copies every header);
 * this keeps the original object — its status, headers, `url`, `redirected` and `instanceof
 * Response` untouched — and swaps only its prototype for one whose body members read the
 * buffered bytes or the guarded stream. Only a plain `Response` (the runtime's own class) is
 * treated so: any other object (a subclass, a polyfill's) gets a rebuilt `Response` instead.
 */

type ResponseBody = ConstructorParameters<typeof Response>[0];

const settled = Symbol('keymesh.settledBody');

/** Where the body of a settled response comes from: the whole body read, or the guarded stream. */
interface SettledBody {
  bytes: Uint8Array | undefined;
  stream: ReadableStream<Uint8Array> | undefined;
  used: boolean;
}

type Settled = Response & { [settled]: SettledBody };

const decoder = new TextDecoder();

function stateOf(response: Response): SettledBody {
  const state = (response as Partial<Settled>)[settled];
  if (state === undefined) throw new TypeError('Illegal invocation');
  return state;
}

/** The body's bytes, once: a second read fails as it does on any `Response`. */
async function take(response: Response): Promise<Uint8Array> {
  const state = stateOf(response);
  if (state.used || state.stream?.locked === true) throw new TypeError('Body is unusable: Body has already been read');
  state.used = true;
  if (state.bytes !== undefined) return state.bytes;
  if (state.stream === undefined) return new Uint8Array(0);
  return new Uint8Array(await new Response(state.stream).arrayBuffer());
}

/** A stream of buffered bytes, made only when a caller asks for `body` of a non-stream answer. */
function streamOfBytes(state: SettledBody, bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        state.used = true;
        if (bytes.byteLength > 0) controller.enqueue(bytes);
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}

/** A real `Response` with the settled one's status, headers, `url`, `redirected` and `body`. */
function rebuilt(original: Response, body: ResponseBody | null): Response {
  const response = new Response(body, { status: original.status, statusText: original.statusText, headers: original.headers });
  for (const property of ['url', 'redirected'] as const) {
    Object.defineProperty(response, property, { value: original[property], enumerable: true, configurable: true });
  }
  return response;
}

const settledPrototype: Response = Object.create(Response.prototype, {
  body: {
    configurable: true,
    get(this: Response): ReadableStream<Uint8Array> | null {
      const state = stateOf(this);
      if (state.stream === undefined && state.bytes !== undefined) state.stream = streamOfBytes(state, state.bytes);
      if (state.stream !== undefined && state.bytes !== undefined) state.bytes = undefined;
      return state.stream ?? null;
    },
  },
  bodyUsed: {
    configurable: true,
    // Read, or held by a reader (the SDKs lock a stream's body as they start reading it).
    get(this: Response): boolean {
      const state = stateOf(this);
      return state.used || state.stream?.locked === true;
    },
  },
  arrayBuffer: {
    configurable: true,
    writable: true,
    async value(this: Response): Promise<ArrayBuffer> {
      const bytes = await take(this);
      return bytes.buffer.byteLength === bytes.byteLength && bytes.byteOffset === 0 ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
    },
  },
  bytes: {
    configurable: true,
    writable: true,
    value(this: Response): Promise<Uint8Array> {
      return take(this);
    },
  },
  text: {
    configurable: true,
    writable: true,
    async value(this: Response): Promise<string> {
      return decoder.decode(await take(this));
    },
  },
  json: {
    configurable: true,
    writable: true,
    async value(this: Response): Promise<unknown> {
      return JSON.parse(decoder.decode(await take(this)));
    },
  },
  blob: {
    configurable: true,
    writable: true,
    async value(this: Response): Promise<Blob> {
      return new Blob([(await take(this)) as Uint8Array<ArrayBuffer>], { type: this.headers.get('content-type') ?? '' });
    },
  },
  formData: {
    configurable: true,
    writable: true,
    async value(this: Response): Promise<FormData> {
      return rebuilt(this, (await take(this)) as Uint8Array<ArrayBuffer>).formData();
    },
  },
  clone: {
    configurable: true,
    writable: true,
    value(this: Response): Response {
      const state = stateOf(this);
      if (state.used || state.stream?.locked === true) throw new TypeError('Response.clone: Body has already been consumed.');
      if (state.bytes !== undefined) return rebuilt(this, state.bytes as Uint8Array<ArrayBuffer>);
      if (state.stream === undefined) return rebuilt(this, null);
      const [mine, theirs] = state.stream.tee();
      state.stream = mine;
      return rebuilt(this, theirs);
    },
  },
});

/**
 * `response` with its body replaced by `body` — the bytes already read, or the stream that
 * guards the rest — as the same object when it is a plain `Response`, else as a rebuilt one.
 */
export function settledResponse(response: Response, body: Uint8Array | ReadableStream<Uint8Array>): Response {
  if (Object.getPrototypeOf(response) !== Response.prototype) return rebuilt(response, body as ResponseBody);
  const state: SettledBody = body instanceof Uint8Array ? { bytes: body, stream: undefined, used: false } : { bytes: undefined, stream: body, used: false };
  Object.setPrototypeOf(response, settledPrototype);
  (response as Settled)[settled] = state;
  return response;
}
