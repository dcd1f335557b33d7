/** One structured line per event, as JSON: easy to ship, and it never holds a key, a token or request content. */
export interface ProxyLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(write: (line: string) => void = (line) => process.stderr.write(line)): ProxyLogger {
  const log = (level: string) => (msg: string, fields?: Record<string, unknown>) => write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
  return { info: log('info'), warn: log('warn'), error: log('error') };
}

export const silentLogger: ProxyLogger = { info() {}, warn() {}, error() {} };
