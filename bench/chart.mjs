// The SVG chart of the goodput run: upstream answers per time bucket for every client, accepted
// (with the capacity line) above, answered 429 below, and each client's totals in the legend.
// Plain SVG text, no dependencies.

const palette = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#17becf', '#bcbd22', '#d62728'];
/** The smallest of 4 × (1, 2, 2.5 or 5) × 10^k that is at least `value`, so axis ticks are round numbers. */
function niceMax(value) {
  const magnitude = 10 ** Math.floor(Math.log10(value / 4));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((candidate) => candidate * 4 >= value);
  return step * 4;
}

const escape = (text) => String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

export function goodputChart(runs, { bucketMs, warmupMs, capacityPerBucket, label }) {
  const width = 1000;
  const left = 64;
  const right = 340; // legend
  const plotWidth = width - left - right;
  const panelHeight = 190;
  const top1 = 48;
  const top2 = top1 + panelHeight + 56;
  const height = top2 + panelHeight + 48;
  const buckets = runs[0].series.length;
  // Each bucket is drawn at its middle.
  const x = (i) => left + ((i + 0.5) / buckets) * plotWidth;
  const okMax = niceMax(Math.max(capacityPerBucket * 1.25, ...runs.flatMap((r) => r.series.map((s) => s.ok))));
  const limitedMax = niceMax(Math.max(1, ...runs.flatMap((r) => r.series.map((s) => s.limited))));
  const minutes = (i) => (i * bucketMs) / 60_000;

  const parts = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  const per = bucketMs === 60_000 ? 'minute' : `${bucketMs / 1000} s`;
  parts.push(`<text x="${left}" y="24" font-size="15" font-weight="600">Goodput run: upstream answers per ${per} at 1.5× capacity (10 keys, virtual time)</text>`);

  const panel = (top, max, title, value, extra) => {
    const y = (v) => top + panelHeight - (v / max) * panelHeight;
    const warmX = left + (warmupMs / (buckets * bucketMs)) * plotWidth;
    parts.push(`<rect x="${left}" y="${top}" width="${warmX - left}" height="${panelHeight}" fill="#f2f2f2"/>`);
    parts.push(`<text x="${left + 6}" y="${top + 14}" fill="#888">warm-up</text>`);
    parts.push(`<text x="${left}" y="${top - 8}" font-weight="600">${escape(title)}</text>`);
    for (let i = 0; i <= 4; i++) {
      const v = (max * i) / 4;
      parts.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e5e5"/>`);
      parts.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" fill="#555">${Math.round(v)}</text>`);
    }
    extra?.(y);
    runs.forEach((run, r) => {
      const points = run.series.map((s, i) => `${x(i).toFixed(1)},${y(value(s)).toFixed(1)}`).join(' ');
      const dashed = run.name === 'naive' ? ' stroke-dasharray="5 3"' : '';
      parts.push(`<polyline points="${points}" fill="none" stroke="${palette[r % palette.length]}" stroke-width="1.6"${dashed}/>`);
    });
    parts.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${top + panelHeight}" y2="${top + panelHeight}" stroke="#333"/>`);
    for (let i = 0; i < buckets; i += Math.max(1, Math.round(60_000 / bucketMs))) {
      const tick = left + (i / buckets) * plotWidth;
      parts.push(`<text x="${tick}" y="${top + panelHeight + 16}" text-anchor="middle" fill="#555">${minutes(i)}</text>`);
    }
  };

  panel(top1, okMax, `Accepted per ${per} (dashed: capacity)`, (s) => s.ok, (y) => {
    parts.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${y(capacityPerBucket)}" y2="${y(capacityPerBucket)}" stroke="#777" stroke-dasharray="6 4"/>`);
  });
  panel(top2, limitedMax, `Answered 429 per ${per}`, (s) => s.limited);
  parts.push(`<text x="${left + plotWidth / 2}" y="${top2 + panelHeight + 36}" text-anchor="middle" fill="#333">minutes</text>`);

  const legendX = left + plotWidth + 24;
  parts.push(`<text x="${legendX}" y="${top1 - 8}" font-weight="600">goodput / share answered 429</text>`);
  parts.push(`<text x="${legendX}" y="${top1 + 14 + runs.length * 22}" fill="#555">The pooled strategies overlap:</text>`);
  parts.push(`<text x="${legendX}" y="${top1 + 30 + runs.length * 22}" fill="#555">all at capacity, none answered 429.</text>`);
  runs.forEach((run, r) => {
    const y = top1 + 14 + r * 22;
    const dashed = run.name === 'naive' ? ' stroke-dasharray="5 3"' : '';
    parts.push(`<line x1="${legendX}" x2="${legendX + 22}" y1="${y - 4}" y2="${y - 4}" stroke="${palette[r % palette.length]}" stroke-width="2"${dashed}/>`);
    const text = `${label(run.name)}: ${(run.goodput * 100).toFixed(1)} % / ${(run.limitedShare * 100).toFixed(2)} %`;
    parts.push(`<text x="${legendX + 28}" y="${y}">${escape(text)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
