import type { RandomSource } from '../clock.js';
import { headroom, leastUsed, priority } from './heap-strategy.js';
import { RandomStrategy } from './random.js';
import { RoundRobinStrategy } from './round-robin.js';
import type { SelectableKey, SelectionStrategy, StrategyName } from './strategy.js';
import { WeightedStrategy } from './weighted.js';

export type { SelectableKey, SelectionStrategy, StrategyName } from './strategy.js';
export { isSelectionStrategy } from './strategy.js';

const factories: Record<StrategyName, <K extends SelectableKey>(random: RandomSource) => SelectionStrategy<K>> = {
  'round-robin': () => new RoundRobinStrategy(),
  'least-used': () => leastUsed(),
  weighted: (random) => new WeightedStrategy(random),
  priority: () => priority(),
  random: (random) => new RandomStrategy(random),
  headroom: () => headroom(),
};

export const strategyNames = Object.keys(factories) as StrategyName[];

export function isStrategyName(value: unknown): value is StrategyName {
  return typeof value === 'string' && Object.hasOwn(factories, value);
}

export function createStrategy<K extends SelectableKey>(name: StrategyName, random: RandomSource): SelectionStrategy<K> {
  return factories[name]<K>(random);
}
