import { countField, defaultMaxOutputTokens, pathOf, promptTokens, recordOf, tokenUsage } from './estimate-tokens.js';
import type { ProviderReader, ReadRequestOptions } from './provider-reader.js';
import type { RequestInfo, TokenUsage } from './request-info.js';

/** `…/models/<model>:<method>` (also `tunedModels/<model>`), with or without the version prefix. */
const modelPath = /(?:^|\/)(?:models|tunedModels)\/([^/:]+):([A-Za-z]+)$/;

/**
 * Gemini names the model in the path (`/v1beta/models/gemini-2.5-flash:generateContent`) and
 * limits a project per model on tokens as one number. `countTokens` draws on no token limit: it
 * gets a model and no cost.
 */
export function readGeminiRequest(path: string, body: unknown, options?: ReadRequestOptions): RequestInfo {
  const match = modelPath.exec(pathOf(path));
  if (match === null) return {};
  const model = decodeModel(match[1]!);
  const request = recordOf(body);
  if (request === undefined) return { model };
  const tokens = estimate(match[2]!, request, options?.defaultMaxOutputTokens ?? defaultMaxOutputTokens);
  return tokens === undefined ? { model } : { model, cost: { tokens } };
}

function estimate(method: string, request: Record<string, unknown>, defaultOutput: number): number | undefined {
  switch (method) {
    case 'generateContent':
    case 'streamGenerateContent': {
      // The REST API takes both the proto (camelCase) and the JSON (snake_case) field names.
      const config = recordOf(request.generationConfig) ?? recordOf(request.generation_config);
      const output = countField(config?.maxOutputTokens) ?? countField(config?.max_output_tokens) ?? defaultOutput;
      const candidates = countField(config?.candidateCount) ?? countField(config?.candidate_count) ?? 1;
      return promptTokens(request.contents, request.systemInstruction ?? request.system_instruction, request.tools) + output * Math.max(1, candidates);
    }
    case 'embedContent':
      return promptTokens(request.content);
    case 'batchEmbedContents':
      return promptTokens(request.requests);
    default:
      return undefined;
  }
}

function decodeModel(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * `usageMetadata` (`promptTokenCount`, `candidatesTokenCount`, `thoughtsTokenCount`,
 * `totalTokenCount`); thinking tokens are output the project is billed and limited for. A
 * `streamGenerateContent` answer without `alt=sse` is a JSON array of chunks: the last one
 * carries the totals.
 */
export function readGeminiUsage(body: unknown): TokenUsage | undefined {
  const answer = Array.isArray(body) ? body[body.length - 1] : body;
  const usage = recordOf(recordOf(answer)?.usageMetadata);
  if (usage === undefined) return undefined;
  const candidates = countField(usage.candidatesTokenCount);
  const thoughts = countField(usage.thoughtsTokenCount);
  const outputTokens = candidates === undefined && thoughts === undefined ? undefined : (candidates ?? 0) + (thoughts ?? 0);
  return tokenUsage(countField(usage.promptTokenCount), outputTokens, countField(usage.totalTokenCount));
}

export const geminiRequestReader: ProviderReader = { request: readGeminiRequest, usage: readGeminiUsage };
