import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, root } from '../../../../test/built-packages.js';

const packageDir = join(root, 'libs/keymesh-redis');
const workerPath = join(packageDir, 'test/fleet/worker.mjs');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The fleet's processes load the packages the way users do, from `dist/`: core and this package
 * are built whenever their sources are newer than their build (CI builds first).
 */
export function ensureFleetBuild(): void {
  ensureBuilt([{ dir: 'libs/keymesh-core', name: '@keymesh/core' }]);
  for (const dir of [join(root, 'libs/keymesh-core'), packageDir]) buildIfStale(dir);
}

function buildIfStale(dir: string): void {
  let built = 0;
  try {
    built = statSync(join(dir, 'dist/index.js')).mtimeMs;
  } catch {
    built = 0;
  }
  if (newestSource(join(dir, 'src')) <= built) return;
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.build.json')], { cwd: root, stdio: 'pipe' });
  } catch (error) {
    // A type error elsewhere in a package still emits its JavaScript (the type-check is not this
    // suite's job); only a build that produced nothing stops the fleet.
    if (!existsSync(join(dir, 'dist/index.js'))) throw error;
  }
  // An incremental build leaves unchanged outputs untouched: mark the build as current.
  const now = new Date();
  utimesSync(join(dir, 'dist/index.js'), now, now);
}

function timeout(ms: number, message: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(message)), ms).unref());
}

type Message = { id?: number; ok?: boolean; result?: unknown; error?: string; event?: string; [k: string]: unknown };

/** A fleet member process (`worker.mjs`), driven over IPC. */
export class FleetProcess {
  readonly child: ChildProcess;
  readonly events: Message[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #sequence = 0;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  private constructor(child: ChildProcess) {
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.on('message', (message: Message) => {
      if (message.event !== undefined) {
        this.events.push(message);
        return;
      }
      const pending = this.#pending.get(message.id!);
      this.#pending.delete(message.id!);
      if (message.ok) pending?.resolve(message.result);
      else pending?.reject(new Error(`worker ${child.pid}: ${message.error}`));
    });
    child.once('exit', () => {
      for (const pending of this.#pending.values()) pending.reject(new Error(`worker ${child.pid} exited`));
      this.#pending.clear();
    });
  }

  static async start(): Promise<FleetProcess> {
    // execArgv: [] so the child is plain Node, not the test runner's loader.
    const child = fork(workerPath, [], { cwd: root, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const worker = new FleetProcess(child);
    const started = once(child, 'message');
    const exited = worker.exited.then(({ code, signal }) => {
      throw new Error(`worker ${child.pid} exited before starting (code ${code}, signal ${signal})`);
    });
    await Promise.race([started, exited, timeout(10_000, `worker ${child.pid} did not start`)]);
    return worker;
  }

  /** Sends a command and waits for its answer; a worker that does not answer fails the test with the command's name. */
  call<T = unknown>(type: string, payload: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<T> {
    const id = ++this.#sequence;
    const answer = new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ ...payload, type, id });
    });
    return Promise.race([answer, timeout(timeoutMs, `worker ${this.child.pid}: no answer to '${type}' within ${timeoutMs} ms`)]);
  }

  /** Waits for an event such as `holding`. */
  async event(name: string, timeoutMs = 5_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find((e) => e.event === name);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`worker ${this.child.pid}: no '${name}' event within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

export interface Attempt {
  key: string;
  scope: string;
  start: number;
  end?: number;
  outcome?: number | string;
}

export interface Delivery {
  keyId: string;
  at: number;
  state: { cooldownUntil: number; breaker: string; openUntil: number; updatedAt: number };
}

/** A limit (per group and scope) or detected group received from another process. */
export interface SharedDelivery {
  at: number;
  limit?: { group: string; scope: string; cooldownUntil: number; updatedAt: number };
  group?: { group: string; keyIds: string[]; scope: string };
}

export interface WorkerLog {
  attempts: Attempt[];
  deliveries: Delivery[];
  sharedDeliveries: SharedDelivery[];
  storeErrors: unknown[];
}
