/**
 * Reads one sample from a Prometheus text exposition: the first series of `name` whose labels
 * include every one in `labels` (other labels, and their order, do not matter).
 */
export function sampleOf(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([label, value]) => `${label}=${JSON.stringify(value)}`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    const series = line.slice(0, line.lastIndexOf(' '));
    const inner = series.slice(series.indexOf('{') + 1, series.lastIndexOf('}'));
    const have = new Set(inner === '' ? [] : inner.split(/,(?=[a-z_]+=")/));
    if (wanted.every((label) => have.has(label))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}
