// Benchmark: what @keymesh/opentelemetry adds to a successful `pool.execute`.
//
// Subjects, timed side by side (harness.sideBySide: every run times each once, in rotating order),
// each a pool of 3 keys running the same attempt with a scope (the model):
// - `plain`: no instrumentation (no listener: the pool builds no event payload at all);
// - `empty listeners`: do-nothing listeners on the events the instrumentation hears per request
//   (request.started, request.succeeded): what the core spends building and emitting them;
// - `api no-op`: instrumentKeymesh with no SDK registered (the OpenTelemetry API's no-op
//   providers): what our listeners cost by themselves, attributes included;
// - `sdk metrics`: the real sdk-metrics MeterProvider recording every histogram and counter;
// - `sdk metrics + traces`: plus a real BasicTracerProvider (spans created, events added, ended;
//   no exporter, so no export cost is measured).
// Figures: the median over runs of (subject − plain) in the same run.
import { KeyPool } from '@keymesh/core';
import { instrumentKeymesh } from '@keymesh/opentelemetry';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { addedOver, finish, fmt, sideBySide, table, target } from './harness.mjs';

const quick = process.env.BENCH_QUICK === '1';
const runs = { runs: quick ? 5 : 11, iterations: quick ? 20_000 : 100_000 };

class PullReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

const secrets = (tag) => Array.from({ length: 3 }, (_, i) => `sk-bench-otel-${tag}-${i}-xxxxxxxxxxxxxxxx`);
const pool = (tag) => new KeyPool({ name: tag, keys: secrets(tag) });
const attempt = async (key, ctx) => {
  ctx.usage({ inputTokens: 12, outputTokens: 5 });
  return key.id;
};
const options = { scope: 'gpt-4o-mini' };

const pools = { plain: pool('plain'), empty: pool('empty'), noop: pool('noop'), metrics: pool('metrics'), traced: pool('traced') };
pools.empty.on('request.started', () => {}).on('request.succeeded', () => {});
const reader = new PullReader();
const meterProvider = new MeterProvider({ readers: [reader] });
const tracerProvider = new BasicTracerProvider();
const handles = [
  instrumentKeymesh(pools.noop, { providerName: 'openai' }),
  instrumentKeymesh(pools.metrics, { meterProvider, providerName: 'openai', traces: false }),
  instrumentKeymesh(pools.traced, { meterProvider, tracerProvider, providerName: 'openai' }),
];

const measured = await sideBySide(
  {
    plain: () => pools.plain.execute(attempt, options),
    'empty listeners': () => pools.empty.execute(attempt, options),
    'api no-op': () => pools.noop.execute(attempt, options),
    'sdk metrics': () => pools.metrics.execute(attempt, options),
    'sdk metrics + traces': () => pools.traced.execute(attempt, options),
  },
  runs,
);

// The SDK really recorded: one duration sample per request of each instrumented pool.
const { resourceMetrics } = await reader.collect();
const duration = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'gen_ai.client.operation.duration');
const recorded = duration.dataPoints.reduce((sum, point) => sum + point.value.count, 0);
if (recorded === 0) throw new Error('the SDK recorded nothing: the benchmark measured no instrumentation');
for (const handle of handles) handle.dispose();
await Promise.all(Object.values(pools).map((p) => p.close()));
await meterProvider.shutdown();

const added = (name) => addedOver(measured, name, 'plain');
const events = added('empty listeners');
const noop = added('api no-op');
const ours = addedOver(measured, 'api no-op', 'empty listeners');
const sdk = added('sdk metrics');
const traced = added('sdk metrics + traces');
finish('otel', {
  tables: [
    table(
      'OpenTelemetry instrumentation: pool.execute at 3 keys (median of runs, ns per request)',
      ['subject', 'ns / request', 'added over plain'],
      [
        ['plain (not instrumented)', fmt.ns(measured.plain.median), '—'],
        ['empty listeners (the core emitting 2 events)', fmt.ns(measured['empty listeners'].median), `${fmt.ns(events)} ns`],
        ['api no-op (no SDK registered)', fmt.ns(measured['api no-op'].median), `${fmt.ns(noop)} ns`],
        ['sdk-metrics MeterProvider', fmt.ns(measured['sdk metrics'].median), `${fmt.ns(sdk)} ns`],
        ['sdk-metrics + sdk-trace-base (no exporter)', fmt.ns(measured['sdk metrics + traces'].median), `${fmt.ns(traced)} ns`],
      ],
      `${runs.runs} runs × ${runs.iterations} requests per subject, interleaved; the attempt resolves at once and reports token usage.`,
    ),
  ],
  targets: [
    target('otel-listeners', 'OpenTelemetry: instrumentKeymesh with the API no-op providers, over plain', '≤ 300 ns', `${fmt.ns(noop)} ns (${fmt.ns(ours)} ns of it in our listeners)`, noop <= 300, `${fmt.ns(noop - 300)} ns over`),
    target('otel-metrics', 'OpenTelemetry: with the SDK recording every metric', '≤ 1,000 ns', `${fmt.ns(sdk)} ns`, sdk <= 1_000, `${fmt.ns(sdk - 1_000)} ns over`),
  ],
});
