import type OpenAI from 'openai';
import type { HttpClient } from '@keymesh/core';

// What a user writes once (with '@keymesh/express' as the module name). Module augmentation is
// program-wide, so this types `req.llm` in every spec of this package; nothing else declares names.
declare module '../index.js' {
  interface KeymeshClients {
    openai: OpenAI;
    http: HttpClient;
  }
}
