import {
  AppError,
  estimateVram,
  familyOf,
  hasLoraKeys,
  isLycorisOnly,
  LORA_FAMILIES,
  loraFamily,
  resolveTask,
  type DeploymentLora,
  type Estimate,
  type NormalizedDeploymentRequest,
  type Task,
} from '@visgate/shared';
import type { HubModelReport, ModelHub } from '../../ports';
import { assertSupportedPipeline } from '../../policy/supported-pipelines';

/** A deploy-time adapter as asked for (the normalized request's form, which the document keeps). */
export type AskedLora = NormalizedDeploymentRequest['loras'][number];

/** Everything decided about a deployment from the Hub's answers, before anything bills. */
export interface Assessment {
  task: Task;
  loras: DeploymentLora[];
  estimate: Estimate;
}

/**
 * Checks each adapter on the Hub (exists, access, one usable safetensors file with LoRA keys) and
 * that it targets the base model's family (header keys, else the card's `base_model`; an adapter
 * neither tells about is accepted and the worker checks again when it loads it). In parallel;
 * the first refusal wins.
 */
async function checkLoras(
  hub: ModelHub,
  asked: readonly AskedLora[],
  token: string | null,
  base: { modelId: string; family: string },
): Promise<DeploymentLora[]> {
  return Promise.all(
    asked.map(async (l, i) => {
      const r = await hub.inspectLora(l.hf_repo, {
        revision: l.revision,
        token,
        weightName: l.weight_name,
      });
      const names = r.tensors.map((t) => t.name);
      if (!hasLoraKeys(names)) {
        throw new AppError(
          'LORA_INVALID',
          isLycorisOnly(names)
            ? `loras[${i}] ${l.hf_repo}: ${r.file} is a LyCORIS LoHa/LoKr adapter, which diffusers cannot load for this model; use a LoRA or LoCon.`
            : `loras[${i}] ${l.hf_repo}: ${r.file} has no LoRA weights (no lora_A/lora_down keys).`,
          {
            details: { lora: l.hf_repo, file: r.file },
          },
        );
      }
      const family = loraFamily(r.tensors, r.baseModel);
      if (family !== null && family !== base.family) {
        throw new AppError(
          'LORA_BASE_MISMATCH',
          `loras[${i}] ${l.hf_repo} is a ${family} adapter; ${base.modelId} is ${base.family}.`,
          { details: { lora: l.hf_repo, lora_family: family, model_family: base.family } },
        );
      }
      return {
        ...l,
        revision_sha: r.revisionSha,
        file: r.file,
        bytes: r.bytes,
        base_family: family,
        needs_token: r.gated !== false || r.private,
      };
    }),
  );
}

/**
 * The validate step's decisions, shared with POST /v1/estimates: the pipeline class is one the
 * worker serves, the task fits its family (TASK_UNSUPPORTED otherwise, defaulting from the class),
 * the adapters fit it, and the VRAM estimate with the adapters counted.
 */
export async function assessModel(
  hub: ModelHub,
  report: HubModelReport,
  ask: { modelId: string; task: Task | null; loras: readonly AskedLora[]; token: string | null },
): Promise<Assessment> {
  assertSupportedPipeline(report.pipelineClass, ask.modelId);
  const textEncoder = report.components.find((c) => c.name === 'text_encoder');
  const family = familyOf(report.pipelineClass, ask.modelId, textEncoder?.params);
  const task = resolveTask(ask.task, family, ask.modelId, report.pipelineClass);
  if (ask.loras.length > 0 && !LORA_FAMILIES.includes(family)) {
    throw new AppError(
      'LORA_BASE_MISMATCH',
      `${ask.modelId} is a ${family} model; LoRA adapters load on ${LORA_FAMILIES.join(', ')} models.`,
      { details: { lora: ask.loras[0]?.hf_repo, model_family: family } },
    );
  }
  const loras =
    ask.loras.length === 0
      ? []
      : await checkLoras(hub, ask.loras, ask.token, { modelId: ask.modelId, family });
  const estimate = estimateVram({
    pipelineClass: report.pipelineClass,
    modelId: ask.modelId,
    components: report.components.map((c) => ({
      name: c.name,
      className: c.className,
      dtype: c.dtype,
      bytes: c.bytes,
      params: c.params,
      files: c.files,
    })),
    loras: loras.map((l) => ({ bytes: l.bytes ?? 0 })),
  });
  return { task, loras, estimate };
}
