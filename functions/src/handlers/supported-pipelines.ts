import { familyOf } from '@visgate/shared';

const NOT_TEXT_TO_IMAGE =
  /(Video|Audio|Music|Speech|Wan|CogVideo|Img2Img|Image2Image|Inpaint|Upscale|Depth|ControlNet|Motion|I2V|Shap)/;

/**
 * Whether our worker can serve this pipeline for text-to-image: the families it has a tested loader
 * for, plus any other text-to-image diffusers pipeline through AutoPipelineForText2Image.
 */
export function isSupportedPipeline(pipelineClass: string, modelId: string): boolean {
  if (!/Pipeline$/.test(pipelineClass) || NOT_TEXT_TO_IMAGE.test(pipelineClass)) return false;
  return familyOf(pipelineClass, modelId) !== 'other' || /Pipeline$/.test(pipelineClass);
}
