// Shared by every benchmark: timing loops, medians and ratios measured side by side, tables,
// machine facts, and the results files. A benchmark file imports from here and stays about
// what it measures.
import { cpus, totalmem, platform, release } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = dirname(fileURLToPath(import.meta.url));
export const resultsDir = join(benchDir, 'results');

// ---- statistics ----------------------------------------------------------------------------------

export function median(values) {
  return quantile(values, 0.5);
}

/** Linear-interpolated quantile, q in [0, 1]. */
export function quantile(values, q) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}

// ---- timing --------------------------------------------------------------------------------------

/** Wall ns per call of `call` (sync or async), over `iterations` sequential calls. */
export async function nsPerCall(call, iterations) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await call();
  return Number(process.hrtime.bigint() - start) / iterations;
}

/**
 * Measures several subjects side by side: every run times each subject once, in an order that
 * rotates from run to run, so drift (thermal, a neighbour's load, GC) hits all of them alike.
 * Returns, per subject, its per-run samples and their median. Compare subjects with
 * `addedOver` and `ratioOf`, which pair samples of the same run before taking the median.
 */
export async function sideBySide(subjects, { runs = 9, iterations, warmup = Math.ceil(iterations / 4) }) {
  const names = Object.keys(subjects);
  for (const name of names) await nsPerCall(subjects[name], warmup);
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  for (let run = 0; run < runs; run++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(run + i) % names.length];
      samples[name].push(await nsPerCall(subjects[name], iterations));
    }
  }
  return Object.fromEntries(names.map((name) => [name, { samples: samples[name], median: median(samples[name]) }]));
}

/** Median over runs of (subject − baseline): the ns a subject adds to the baseline. */
export function addedOver(measured, subject, baseline) {
  const a = measured[subject].samples;
  const b = measured[baseline].samples;
  return median(a.map((value, run) => value - b[run]));
}

/** Median over runs of addedOver-style differences divided, e.g. (10k keys − bare) / (3 keys − bare). */
export function ratioOf(measured, numerator, denominator, baseline) {
  const n = measured[numerator].samples;
  const d = measured[denominator].samples;
  const b = baseline === undefined ? undefined : measured[baseline].samples;
  return median(n.map((value, run) => (b ? (value - b[run]) / (d[run] - b[run]) : value / d[run])));
}

/** CPU µs (user + system) spent by `fn`. */
export async function cpuMicros(fn) {
  const before = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

// ---- formatting ----------------------------------------------------------------------------------

export const fmt = {
  ns: (v) => (Number.isFinite(v) ? `${Math.round(v)}` : '–'),
  us: (v) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) : '–'),
  ms: (v) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) : '–'),
  ratio: (v) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '–'),
  pct: (v, digits = 1) => (Number.isFinite(v) ? `${(v * 100).toFixed(digits)} %` : '–'),
  int: (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–'),
};

/** A table as { title, columns, rows, note? }; rendered for the console and for Markdown. */
export function table(title, columns, rows, note) {
  return { title, columns, rows, note };
}

export function renderConsole({ title, columns, rows, note }) {
  const cells = [columns, ...rows].map((row) => row.map(String));
  const widths = columns.map((_, c) => Math.max(...cells.map((row) => row[c].length)));
  const line = (row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [`\n${title}`, line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line), note ? `  ${note}` : '']
    .filter((part) => part !== '')
    .join('\n');
}

export function renderMarkdown({ title, columns, rows, note }) {
  const escape = (cell) => String(cell).replaceAll('|', '\\|');
  return [
    `#### ${title}`,
    '',
    `| ${columns.map(escape).join(' | ')} |`,
    `|${columns.map((_, c) => (c === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((row) => `| ${row.map(escape).join(' | ')} |`),
    ...(note ? ['', note] : []),
  ].join('\n');
}

// ---- machine and results -------------------------------------------------------------------------

export function machine() {
  const cores = cpus();
  return {
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    v8: process.versions.v8,
  };
}

/** Each benchmark file writes its part of the results here; run.mjs gathers them into latest.json. */
export function writePart(name, part) {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${name}.part.json`), JSON.stringify(part, null, 2) + '\n');
}

export function readPart(name) {
  return JSON.parse(readFileSync(join(resultsDir, `${name}.part.json`), 'utf8'));
}

/** Prints a benchmark's tables and saves its part; `part.tables` holds `table()` values. */
export function finish(name, part) {
  for (const t of part.tables) console.log(renderConsole(t));
  writePart(name, part);
}

/**
 * A target check for the summary. `met` is computed from the measurement, never edited by hand;
 * `by` says by how much it was missed (computed too), and `id` picks the explanation RESULTS.md
 * prints when it is.
 */
export function target(id, what, goal, measured, met, by = '') {
  return { id, what, goal, measured, met, by: met ? '' : by };
}

// ---- deterministic simulation: seeded randomness and virtual time ---------------------------------

/** mulberry32: a small seeded PRNG returning floats in [0, 1), like Math.random. */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A clock for the pool's `clock` option whose time moves only when `run` fires the next timer.
 * Timers due at the same instant fire in the order they were set, and every promise callback
 * they start settles before the next one fires (as Node runs microtasks between timer callbacks),
 * so a simulated hour takes as long as its events take to process.
 */
export class VirtualClock {
  #now;
  #serial = 0;
  /** A binary min-heap of timers by (at, serial); cancelled ones are skipped when they come up. */
  #timers = [];

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now = () => this.#now;

  setTimeout = (callback, ms) => {
    const timer = { at: this.#now + Math.max(0, ms), serial: this.#serial++, callback };
    this.#push(timer);
    return timer;
  };

  clearTimeout = (timer) => {
    if (timer) timer.callback = undefined;
  };

  /** A promise that resolves after `ms` of virtual time. */
  sleep(ms) {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** Fires timers in order until none is left before `until` (epoch ms). */
  async run(until = Infinity) {
    await settled();
    while (this.#timers.length > 0 && this.#timers[0].at <= until) {
      const timer = this.#pop();
      if (timer.callback === undefined) continue;
      this.#now = Math.max(this.#now, timer.at);
      timer.callback();
      await settled();
    }
    if (Number.isFinite(until)) this.#now = Math.max(this.#now, until);
  }

  #before(a, b) {
    return a.at < b.at || (a.at === b.at && a.serial < b.serial);
  }

  #push(timer) {
    const heap = this.#timers;
    let i = heap.push(timer) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  #pop() {
    const heap = this.#timers;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < heap.length && this.#before(heap[l], heap[best])) best = l;
        if (r < heap.length && this.#before(heap[r], heap[best])) best = r;
        if (best === i) break;
        [heap[i], heap[best]] = [heap[best], heap[i]];
        i = best;
      }
    }
    return top;
  }
}

/** Resolves once every queued promise callback has run (setImmediate comes after the microtask queue drains). */
function settled() {
  return new Promise((resolve) => setImmediate(resolve));
}
