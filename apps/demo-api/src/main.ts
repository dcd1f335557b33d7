import { isConfigError } from '@keymesh/core';
import { startDemo } from './bootstrap.js';

/**
 * `node dist/main.js` (what `npm start` runs): the demo on http://localhost:3000, or PORT.
 * Ctrl-C closes the app (Nest's shutdown hooks), the pools and the fake servers.
 */
const port = process.env.PORT === undefined ? 3000 : Number(process.env.PORT);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`PORT must be a port number, got ${JSON.stringify(process.env.PORT)}`);
  process.exit(1);
}

try {
  const demo = await startDemo({ port, host: process.env.HOST || undefined });
  // SIGINT / SIGTERM run Nest's shutdown hooks: pools close, then the fake servers.
  demo.app.enableShutdownHooks();
} catch (error) {
  // A bad key list is a ConfigError that names the variable, never the keys: print just that.
  if (isConfigError(error)) console.error(`Configuration error: ${error.message}`);
  else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') console.error(`Port ${port} is in use; start with PORT=<another port>.`);
  else console.error(error);
  process.exit(1);
}
