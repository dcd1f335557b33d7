export { instrumentKeymesh, type InstrumentKeymeshOptions, type KeymeshInstrumentation } from './instrument-keymesh.js';
export { poolsOf, type InstrumentTarget } from './targets.js';
export { MAX_OPEN_SPANS } from './pool-traces.js';
export * from './attributes.js';
