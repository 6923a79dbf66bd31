import { AppError, isSupportedPipelineClass, SUPPORTED_PIPELINE_CLASSES } from '@visgate/shared';

/**
 * Refuses a model whose pipeline class the worker does not serve, with MODEL_UNSUPPORTED, before
 * anything is created on RunPod. The list is closed (SUPPORTED_PIPELINE_CLASSES: each class has a
 * tiny-pipeline end-to-end test in the worker), so a class that would load but never serve —
 * Kandinsky 2.2's decoder, whose warm-up needs the prior's image embeddings — is refused instead of
 * being paid for and failing after provisioning.
 */
export function assertSupportedPipeline(pipelineClass: string, modelId: string): void {
  if (isSupportedPipelineClass(pipelineClass)) return;
  const why = /^Kandinsky/.test(pipelineClass)
    ? '; Kandinsky text-to-image needs its prior and decoder combined, which the worker does not build'
    : '';
  throw new AppError(
    'MODEL_UNSUPPORTED',
    `${modelId} is a ${pipelineClass}${why}. Visgate serves these text-to-image diffusers pipelines: ${SUPPORTED_PIPELINE_CLASSES.join(', ')}`,
  );
}
