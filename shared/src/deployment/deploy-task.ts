import { AppError } from '../errors';
import { IMAGE_EDIT_FAMILIES } from '../job/job-kind';
import { isVideoFamily } from '../memory/estimate-vram';
import type { Task } from '../schemas/create-deployment';

const IMAGE_TASKS: readonly Task[] = ['text-to-image', 'image-to-image', 'inpainting'];

/**
 * The tasks a deployment of this family may be created for. Image-to-image and inpainting where the
 * worker builds them from the loaded pipeline (IMAGE_EDIT_FAMILIES: `from_pipe`, shared weights);
 * PixArt, Kandinsky and unknown families serve text-to-image only; video families text-to-video.
 */
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
