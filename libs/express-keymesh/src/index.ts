export { keymesh } from './keymesh.js';
export { healthHandler } from './health-handler.js';
export { keymeshErrorHandler } from './error-handler.js';
export { signalOf } from './signal.js';
export { CREATED_IN_REQUEST_HANDLER } from './created-in-request-handler.js';
export type { KeymeshClients, KeymeshOptions, KeymeshMiddleware, ClientOf, ClientsOf, HealthHandler, KeymeshErrorHandler, Next } from './types.js';
