import type { LimitDimension, RequestCost } from '../request/request-info.js';

/**
 * The four dimensions a limit is measured in, as array positions: a limit keeps its readings and
 * reservations in small typed arrays indexed by these, so reading or admitting is a short loop
 * with no allocation.
 */
export const dimensionNames: readonly LimitDimension[] = ['requests', 'tokens', 'input_tokens', 'output_tokens'];
export const dimensionCount = 4;

export function dimensionIndex(dimension: LimitDimension): number {
  return dimensionNames.indexOf(dimension);
}

/**
 * What a request costs in one dimension: always one request; tokens as the adapter estimated
 * them (a total, or input + output when only those are given); 0 when unknown, so a request
 * without a cost is admitted on its request count alone.
 */
export function costIn(cost: RequestCost | undefined, index: number): number {
  if (index === 0) return 1;
  if (cost === undefined) return 0;
  if (index === 1) return cost.tokens ?? (cost.inputTokens ?? 0) + (cost.outputTokens ?? 0);
  return (index === 2 ? cost.inputTokens : cost.outputTokens) ?? 0;
}
