/**
 * The part of a node-redis 5 or 6 client (`createClient()` from `redis`) the store uses. Written out
 * rather than imported so that any `createClient` result fits, whatever modules, scripts or RESP
 * version it was created with. Cluster and sentinel clients are not supported.
 */
export interface RedisClient {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  readonly options?: { readonly url?: string; readonly username?: string; readonly password?: string } | undefined;
  connect(): Promise<unknown>;
  sendCommand<T = unknown>(args: ReadonlyArray<string>, options?: { timeout?: number }): Promise<T>;
  duplicate(): RedisClient;
  subscribe(channel: string, listener: (message: string, channel: string) => unknown): Promise<void>;
  unsubscribe(channel: string, listener?: (message: string, channel: string) => unknown): Promise<void>;
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
  close(): Promise<void>;
  destroy(): void;
}
