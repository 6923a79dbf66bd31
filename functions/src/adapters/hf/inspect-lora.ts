import { listFiles, modelInfo } from '@huggingface/hub';
import { AppError, isAppError } from '@visgate/shared';
import type { HubLoraReport } from '../../ports';
import { readSafetensorsHeader } from './read-safetensors-summary';

const SHA = /^[0-9a-f]{40}$/;
/** The file name diffusers' `save_lora_weights` writes; preferred when a repo has several. */
export const DIFFUSERS_LORA_FILE = 'pytorch_lora_weights.safetensors';

/** Which file of a LoRA repo to load, decided from the root file names alone. */
export type LoraFileChoice =
  | { kind: 'file'; file: string }
  | { kind: 'none'; pickles: string[] }
  | { kind: 'ambiguous'; files: string[] };

/**
 * The adapter file: `weightName` when given (it must exist), else the one `*.safetensors` at the
 * repo root, else `pytorch_lora_weights.safetensors` among several; otherwise none or ambiguous.
 * Pure.
 */
export function chooseLoraFile(
  paths: readonly string[],
  weightName: string | null,
): LoraFileChoice {
  if (weightName !== null) {
    return paths.includes(weightName)
      ? { kind: 'file', file: weightName }
      : { kind: 'none', pickles: [] };
  }
  const root = paths.filter((p) => !p.includes('/'));
  const safetensors = root.filter((p) => p.endsWith('.safetensors')).sort();
  const [only] = safetensors;
  if (safetensors.length === 1 && only !== undefined) return { kind: 'file', file: only };
  if (safetensors.includes(DIFFUSERS_LORA_FILE)) return { kind: 'file', file: DIFFUSERS_LORA_FILE };
  if (safetensors.length > 1) return { kind: 'ambiguous', files: safetensors };
  return { kind: 'none', pickles: root.filter((p) => /\.(bin|pt|pth|ckpt)$/.test(p)).sort() };
}

function invalid(repo: string, message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError('LORA_INVALID', `LoRA ${repo}: ${message}`, {
    details: { lora: repo, ...details },
  });
}

/**
 * A LoRA repo through the same Hub calls as a model (model info with `cardData`, the file
 * listing at the resolved commit, a Range read of the adapter's safetensors header), with the
 * model codes turned into the adapter's: a missing repo is LORA_NOT_FOUND, an unusable file
 * LORA_INVALID; gated repos keep MODEL_GATED (the same fix: accept the licence, pass hf_token).
 */
export async function inspectLora(
  ctx: { hubUrl: string; hubFetch: typeof fetch; hasToken: boolean },
  repo: string,
  revision: string,
  weightName: string | null,
): Promise<HubLoraReport> {
  try {
    const info = await modelInfo({
      name: repo,
      revision,
      hubUrl: ctx.hubUrl,
      fetch: ctx.hubFetch,
      additionalFields: ['sha', 'cardData'],
    });
    if (!SHA.test(info.sha)) {
      throw new AppError('UPSTREAM_UNAVAILABLE', `Hugging Face returned no commit for ${repo}.`);
    }
    if (info.gated !== false) {
      if (!ctx.hasToken) {
        throw new AppError(
          'MODEL_GATED',
          `LoRA ${repo} is gated: it needs an accepted licence on huggingface.co and an hf_token of that account.`,
          { details: { lora: repo } },
        );
      }
      await ctx.hubFetch(`${ctx.hubUrl}/api/models/${repo}/auth-check`);
    }
    const paths: string[] = [];
    const sizes = new Map<string, number>();
    for await (const entry of listFiles({
      repo: { type: 'model', name: repo },
      recursive: weightName?.includes('/') ?? false,
      revision: info.sha,
      hubUrl: ctx.hubUrl,
      fetch: ctx.hubFetch,
    })) {
      if (entry.type !== 'file') continue;
      paths.push(entry.path);
      sizes.set(entry.path, entry.lfs?.size ?? entry.size);
    }
    const choice = chooseLoraFile(paths, weightName);
    if (choice.kind === 'ambiguous') {
      throw invalid(
        repo,
        `several .safetensors files (${choice.files.join(', ')}): name one as weight_name.`,
        {
          files: choice.files,
        },
      );
    }
    if (choice.kind === 'none') {
      throw invalid(
        repo,
        weightName !== null
          ? `no file "${weightName}" at ${info.sha.slice(0, 12)}.`
          : `no .safetensors file at the repo root${choice.pickles.length ? ` (only ${choice.pickles.join(', ')}: pickle files are not loaded)` : ''}.`,
      );
    }
    const url = `${ctx.hubUrl}/${repo}/resolve/${info.sha}/${choice.file.split('/').map(encodeURIComponent).join('/')}`;
    const { summary, header } = await readSafetensorsHeader(ctx.hubFetch, url, choice.file);
    const tensors = Object.entries(header)
      .filter(([name]) => name !== '__metadata__')
      .map(([name, t]) => ({ name, shape: [...(t as { shape: number[] }).shape] }));
    const card = (info as { cardData?: { base_model?: unknown } }).cardData;
    return {
      repo,
      revisionSha: info.sha,
      gated: info.gated,
      private: info.private,
      file: choice.file,
      bytes: sizes.get(choice.file) ?? summary.bytes,
      params: summary.params,
      tensors,
      baseModel: card?.base_model ?? null,
    };
  } catch (e) {
    if (isAppError(e) && e.code === 'MODEL_NOT_FOUND') {
      throw new AppError('LORA_NOT_FOUND', e.message.replace(repo, `LoRA ${repo}`), {
        details: { ...e.details, lora: repo },
      });
    }
    if (isAppError(e) && e.code === 'MODEL_UNSUPPORTED') {
      throw invalid(repo, e.message, e.details);
    }
    throw e;
  }
}
