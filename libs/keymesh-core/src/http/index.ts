export { httpAdapter, type HttpAdapterOptions, type HttpAuth, type HttpClient } from './http-adapter.js';
export { HttpStatusError } from './http-status-error.js';
export { UnsafeUrlError } from './safe-url.js';
export { createKeymesh, poolOf } from '../adapters/create-keymesh.js';
