export { KeymeshModule } from './keymesh.module.js';
export { KeymeshService } from './keymesh.service.js';
export { InjectKeymesh } from './keymesh.decorator.js';
export { KeymeshHealthIndicator } from './keymesh.health-indicator.js';
export { KeymeshExceptionFilter } from './keymesh-exception.filter.js';
export { keysFromConfig } from './keymesh-config.js';
export { KEYMESH_CLIENTS, KEYMESH_EVENT_PREFIX, DEFAULT_HEALTH_PATH, getKeymeshToken } from './keymesh.constants.js';
export { MODULE_OPTIONS_TOKEN as KEYMESH_MODULE_OPTIONS } from './keymesh-module.definition.js';
export type { KeymeshModuleOptions, KeymeshModuleExtras } from './keymesh-options.interface.js';
