export { startProxy, type RunningProxy, type StartProxyOptions } from './proxy-server.js';
export {
  resolveConfig,
  readConfigFile,
  isLoopback,
  officialOrigins,
  keyListVariables,
  providerNames,
  type ProxyConfigFile,
  type ProviderConfig,
  type ProxyLimits,
  type KeysSource,
  type ProviderName,
  type ResolvedProxyConfig,
  type ConfigOverrides,
} from './config/proxy-config.js';
export { loadLocalToken, tokenMatcher, defaultTokenFile, type LocalToken } from './auth/local-token.js';
export { proxyEnvironment, exportLines } from './print-env.js';
export { jsonLogger, silentLogger, type ProxyLogger } from './log.js';
