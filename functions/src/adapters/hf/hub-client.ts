import { listFiles, modelInfo } from '@huggingface/hub';
import {
  AppError,
  dominantDtype,
  isAppError,
  mergeTensorSummaries,
  type TensorSummary,
} from '@visgate/shared';
import type { HubComponent, HubModelReport, ModelHub } from '../../ports';
import { chooseWeights, isWeightlessClass } from './choose-weights';
import { isTransportError, transportError, type HubErrorContext } from './hub-errors';
import { createHubFetch } from './hub-fetch';
import { inspectLora } from './inspect-lora';
import { readSafetensorsSummary } from './read-safetensors-summary';

export interface HubClientOptions {
  /** Base URL of the Hub, e.g. `https://huggingface.co` or a simulator's URL. */
  hubUrl: string;
  /** Limit for each HTTP request, including reading its body. */
  timeoutMs: number;
  fetch?: typeof fetch;
}

const MODEL_ID = /^(?:[A-Za-z0-9][\w.-]*\/)?[A-Za-z0-9][\w.-]*$/;
const SHA = /^[0-9a-f]{40}$/;

interface Session {
  modelId: string;
  sha: string;
  hubUrl: string;
  hubFetch: typeof fetch;
  /** Every file at the commit: path → size in bytes. */
  files: Map<string, number>;
}

const resolveUrl = (s: Session, path: string): string =>
  `${s.hubUrl}/${s.modelId}/resolve/${s.sha}/${path.split('/').map(encodeURIComponent).join('/')}`;

async function fetchJson(s: Session, path: string): Promise<unknown> {
  const text = await (await s.hubFetch(resolveUrl(s, path))).text();
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new AppError('MODEL_UNSUPPORTED', `${s.modelId}: ${path} is not valid JSON.`, {
      cause: e,
    });
  }
}

async function summarizeSharded(
  s: Session,
  folder: string,
  indexName: string,
): Promise<{ files: string[]; summary: TensorSummary }> {
  const index = await fetchJson(s, `${folder}/${indexName}`);
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null) {
    throw new AppError(
      'MODEL_UNSUPPORTED',
      `${s.modelId}: ${folder}/${indexName} has no weight_map.`,
    );
  }
  const shards = [...new Set(Object.values(weightMap).map(String))]
    .sort()
    .map((f) => `${folder}/${f}`);
  const missing = shards.find((p) => !s.files.has(p));
  if (missing !== undefined || shards.length === 0) {
    throw new AppError(
      'MODEL_UNSUPPORTED',
      `${s.modelId}: ${folder}/${indexName} names a missing shard.`,
    );
  }
  const parts = await Promise.all(
    shards.map((p) => readSafetensorsSummary(s.hubFetch, resolveUrl(s, p), p)),
  );
  return { files: shards, summary: mergeTensorSummaries(parts) };
}

async function inspectComponent(
  s: Session,
  name: string,
  className: string,
): Promise<HubComponent> {
  const prefix = `${name}/`;
  const names = [...s.files.keys()]
    .filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
    .map((p) => p.slice(prefix.length));
  const choice = chooseWeights(names);
  let files: string[];
  let summary: TensorSummary;
  let variant: string | null;
  switch (choice.kind) {
    case 'none':
      throw new AppError(
        'MODEL_UNSUPPORTED',
        `${s.modelId}: component "${name}" (${className}) has no weight files.`,
      );
    case 'pickle-only':
      throw new AppError(
        'MODEL_UNSUPPORTED',
        `${s.modelId}: component "${name}" has only pickle weights (${choice.files.join(', ')}); safetensors are required.`,
        { details: { component: name, files: choice.files.map((f) => prefix + f) } },
      );
    case 'single': {
      const path = prefix + choice.file;
      files = [path];
      variant = choice.variant;
      summary = await readSafetensorsSummary(s.hubFetch, resolveUrl(s, path), path);
      break;
    }
    case 'sharded':
      variant = choice.variant;
      ({ files, summary } = await summarizeSharded(s, name, choice.index));
      break;
  }
  return {
    name,
    className,
    files,
    variant,
    bytes: summary.bytes,
    params: summary.params,
    dtype: dominantDtype(summary),
    paramsByDtype: summary.paramsByDtype,
  };
}

/** Model components of a model_index.json, in file order: `[library, class]` entries with a class. */
function modelComponents(index: Record<string, unknown>): { name: string; className: string }[] {
  return Object.entries(index).flatMap(([name, value]) => {
    if (name.startsWith('_') || !Array.isArray(value) || value.length !== 2) return [];
    const [library, className] = value as unknown[];
    if (typeof library !== 'string' || typeof className !== 'string') return [];
    return isWeightlessClass(className) ? [] : [{ name, className }];
  });
}

async function inspectModel(
  opts: { hubUrl: string },
  hubFetch: typeof fetch,
  modelId: string,
  revision: string,
  hasToken: boolean,
): Promise<HubModelReport> {
  const info = await modelInfo({
    name: modelId,
    revision,
    hubUrl: opts.hubUrl,
    fetch: hubFetch,
    additionalFields: ['sha', 'library_name'],
  });
  if (!SHA.test(info.sha)) {
    throw new AppError('UPSTREAM_UNAVAILABLE', `Hugging Face returned no commit for ${modelId}.`);
  }
  const gated = info.gated;
  if (gated !== false) {
    if (!hasToken) {
      throw new AppError(
        'MODEL_GATED',
        `${modelId} is gated: it needs an accepted licence on huggingface.co and an hf_token of that account.`,
        { details: { model_id: modelId } },
      );
    }
    await hubFetch(`${opts.hubUrl}/api/models/${modelId}/auth-check`);
  }
  const files = new Map<string, number>();
  for await (const entry of listFiles({
    repo: { type: 'model', name: modelId },
    recursive: true,
    revision: info.sha,
    hubUrl: opts.hubUrl,
    fetch: hubFetch,
  })) {
    if (entry.type === 'file') files.set(entry.path, entry.lfs?.size ?? entry.size);
  }
  const s: Session = { modelId, sha: info.sha, hubUrl: opts.hubUrl, hubFetch, files };
  if (!files.has('model_index.json')) {
    throw new AppError(
      'MODEL_UNSUPPORTED',
      `${modelId} is not a diffusers pipeline (no model_index.json).`,
      {
        details: { model_id: modelId, library_name: info.library_name ?? null },
      },
    );
  }
  const index = await fetchJson(s, 'model_index.json');
  const pipelineClass = (index as { _class_name?: unknown } | null)?._class_name;
  if (typeof pipelineClass !== 'string') {
    throw new AppError(
      'MODEL_UNSUPPORTED',
      `${modelId} is not a diffusers pipeline (model_index.json has no _class_name).`,
    );
  }
  const components = await Promise.all(
    modelComponents(index as Record<string, unknown>).map((c) =>
      inspectComponent(s, c.name, c.className),
    ),
  );
  return {
    modelId,
    revisionSha: info.sha,
    gated,
    private: info.private,
    libraryName: info.library_name ?? null,
    pipelineTag: info.task ?? null,
    pipelineClass,
    components,
    totalFileBytes: [...files.values()].reduce((a, b) => a + b, 0),
  };
}

/**
 * The ModelHub adapter: inspects a repo through the Hub API and Range reads of safetensors headers,
 * pinned to the commit the revision resolves to. Weights are never downloaded.
 */
export function createHubClient(opts: HubClientOptions): ModelHub {
  const hubUrl = opts.hubUrl.replace(/\/+$/, '');
  const baseFetch = opts.fetch ?? fetch;
  /**
   * One Hub conversation about `repo`: the id checked (else `notFound`), a fetch carrying the token
   * and timeout, and transport failures or malformed answers turned into our errors.
   */
  async function withHub<T>(
    repo: string,
    revision: string,
    token: string | null,
    notFound: () => AppError,
    run: (hubFetch: ReturnType<typeof createHubFetch>, hasToken: boolean) => Promise<T>,
  ): Promise<T> {
    const effectiveToken = token === '' ? null : token;
    const ctx: HubErrorContext = { modelId: repo, revision, hasToken: effectiveToken !== null };
    if (!MODEL_ID.test(repo) || repo.includes('..')) throw notFound();
    const hubFetch = createHubFetch({
      fetch: baseFetch,
      timeoutMs: opts.timeoutMs,
      token: effectiveToken,
      ctx,
    });
    try {
      return await run(hubFetch, ctx.hasToken);
    } catch (e) {
      if (isAppError(e)) throw e;
      if (isTransportError(e)) throw transportError(e, ctx);
      if (e instanceof SyntaxError) {
        throw new AppError('UPSTREAM_UNAVAILABLE', 'Hugging Face sent a malformed answer.', {
          cause: e,
        });
      }
      throw e;
    }
  }
  return {
    inspect: (modelId, { revision, token }) =>
      withHub(
        modelId,
        revision,
        token,
        () =>
          new AppError(
            'MODEL_NOT_FOUND',
            `"${modelId}" is not a Hugging Face model id (org/name).`,
          ),
        (hubFetch, hasToken) => inspectModel({ hubUrl }, hubFetch, modelId, revision, hasToken),
      ),
    inspectLora: (repo, { revision, token, weightName }) =>
      withHub(
        repo,
        revision,
        token,
        () => new AppError('LORA_NOT_FOUND', `"${repo}" is not a Hugging Face repo id (org/name).`),
        (hubFetch, hasToken) =>
          inspectLora({ hubUrl, hubFetch, hasToken }, repo, revision, weightName),
      ),
  };
}
