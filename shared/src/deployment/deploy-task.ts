import { AppError } from '../errors';
import { isVideoFamily } from '../memory/estimate-vram';
import type { Task } from '../schemas/create-deployment';

/**
 * Families whose diffusers pipelines have image-to-image and inpainting variants the worker builds
 * from the loaded text-to-image pipeline (`AutoPipelineForImage2Image.from_pipe`,
 * `AutoPipelineForInpainting.from_pipe`: shared weights, no reload). PixArt, Kandinsky and unknown
 * families serve text-to-image only.
 */
const IMAGE_EDIT_FAMILIES: readonly string[] = ['sd1', 'sd2', 'sdxl', 'sd3', 'flux'];

const IMAGE_TASKS: readonly Task[] = ['text-to-image', 'image-to-image', 'inpainting'];

/** The tasks a deployment of this family may be created for. */
export function tasksForFamily(family: string): readonly Task[] {
  if (isVideoFamily(family)) return ['text-to-video'];
  if (IMAGE_EDIT_FAMILIES.includes(family)) return IMAGE_TASKS;
  return ['text-to-image'];
}

/** The outcome of fitting a requested task to a model: the task, or the tasks it does have. */
export type TaskDecision =
  { kind: 'ok'; task: Task } | { kind: 'unsupported'; requested: Task; tasks: readonly Task[] };

/**
 * The deployment's task: the one asked for when the family serves it, else a refusal naming the
 * family's tasks. Not asked for: `text-to-video` for video families, `text-to-image` otherwise.
 * Pure.
 */
export function decideTask(requested: Task | null, family: string): TaskDecision {
  const tasks = tasksForFamily(family);
  if (requested === null) return { kind: 'ok', task: tasks[0] ?? 'text-to-image' };
  return tasks.includes(requested)
    ? { kind: 'ok', task: requested }
    : { kind: 'unsupported', requested, tasks };
}

/** decideTask, throwing TASK_UNSUPPORTED (422) with a message naming the model's tasks. */
export function resolveTask(
  requested: Task | null,
  family: string,
  modelId: string,
  pipelineClass: string,
): Task {
  const d = decideTask(requested, family);
  if (d.kind === 'ok') return d.task;
  throw new AppError(
    'TASK_UNSUPPORTED',
    `${modelId} (${pipelineClass}) cannot serve ${d.requested}; its tasks: ${d.tasks.join(', ')}`,
    { details: { task: d.requested, supported_tasks: [...d.tasks] } },
  );
}
