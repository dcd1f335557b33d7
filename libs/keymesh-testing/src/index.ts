export { startFakeProvider, type FakeProvider } from './server.js';
export {
  DEFAULT_TEXT,
  type FakeProviderOptions,
  type SdkFakeProviderOptions,
  type HttpFakeProviderOptions,
} from './options.js';
export type { HttpAuth } from './providers/http.js';
export type { ProviderName } from './wire.js';
export type {
  Behaviour,
  BehaviourKind,
  KeyBehaviour,
  OkBehaviour,
  RateLimitBehaviour,
  StatusBehaviour,
  QuotaBehaviour,
  InvalidKeyBehaviour,
  ResetBehaviour,
  StallBodyBehaviour,
  StreamDropBehaviour,
  StreamStallBehaviour,
  StreamErrorBehaviour,
  RetryHint,
  RetryHints,
} from './behaviour.js';
export type { RecordedRequest } from './recorded-request.js';
export { providerError, type ProviderFault, type ProviderErrorResponse } from './provider-errors.js';
export type { QuotaOptions, QuotaOrganization, LimitTable, ModelLimits } from './quota/quota-options.js';
export { startFakes, envFor, PLACEHOLDER_KEY, type FakeSet, type FakeSetOptions, type FakeSetMember } from './cli/fake-set.js';
