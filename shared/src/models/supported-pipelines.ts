/**
 * The diffusers pipeline classes (`model_index.json` `_class_name`) the control plane accepts. The
 * list is closed: each class here has a tiny-pipeline end-to-end test in the worker
 * (worker/tests, table-driven from shared/test-vectors/supported-pipelines.json, which a jest test
 * keeps equal to this list). Adding a class means adding its tiny pipeline to the worker first.
 *
 * Left out on purpose: Kandinsky 2.2 (the decoder repo loads as `KandinskyV22Pipeline`, whose
 * warm-up needs the prior's `image_embeds`; text-to-image needs the combined prior + decoder
 * pipeline, which the worker does not build), and every other class without a worker test.
 */
export const SUPPORTED_PIPELINE_CLASSES = [
  'StableDiffusionPipeline',
  'StableDiffusionXLPipeline',
  'StableDiffusion3Pipeline',
  'FluxPipeline',
  'PixArtSigmaPipeline',
  'WanPipeline',
  'CogVideoXPipeline',
] as const;

export type SupportedPipelineClass = (typeof SUPPORTED_PIPELINE_CLASSES)[number];

/** Whether the worker serves this pipeline class (for the tasks its family has: see deploy-task.ts). */
export function isSupportedPipelineClass(
  pipelineClass: string | null,
): pipelineClass is SupportedPipelineClass {
  return (SUPPORTED_PIPELINE_CLASSES as readonly (string | null)[]).includes(pipelineClass);
}
