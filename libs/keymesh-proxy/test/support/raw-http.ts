import { connect } from 'node:net';

/**
 * Sends bytes exactly as given (an HTTP client would normalise an absolute-form target or a
 * `..` segment away) and returns what the server answered before closing, or after `waitMs`.
 */
export function rawRequest(port: number, bytes: string, waitMs = 2_000): Promise<{ status: number | undefined; text: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let closedByServer = false;
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('end', () => (closedByServer = true));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? (closedByServer = true) : reject(error)));
    socket.on('close', () => {
      clearTimeout(timer);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      resolve({ status: status === undefined ? undefined : Number(status), text, closedByServer });
    });
  });
}
