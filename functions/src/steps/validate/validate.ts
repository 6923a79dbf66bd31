import { transition } from '@visgate/shared';
import type { Deps } from '../../deps';
import { defineStep } from '../define-step';
import { stage } from '../lifecycle';
import { sharedCacheRejection } from '../cache-fill/cache-target';
import { assessModel } from './assess-model';

export type ValidateDeps = Pick<
  Deps,
  'store' | 'secrets' | 'hub' | 'bus' | 'tasks' | 'clock' | 'log' | 'config'
>;

/**
 * Step 1: checks the model on the Hub (exists, access, diffusers pipeline, exact weight bytes),
 * decides the task, checks the deploy-time LoRA adapters, estimates VRAM, and hands over to GPU
 * selection. Permanent problems fail the deployment with a
 * code; Hub outages throw so the bus redelivers (the step runner decides, per error code).
 */
export function createValidate(deps: ValidateDeps) {
  return defineStep(
    deps,
    {
      name: 'validate',
      status: ['queued', 'validating'],
      onPast: async (doc) => {
        if (doc.status === 'selecting_gpu')
          await deps.bus.publish('deployment-select-gpu', { deployment_id: doc.deployment_id });
      },
    },
    async (doc, secrets) => {
      const id = doc.deployment_id;
      // `validating` is shown while the Hub is asked: both at once, one round trip less. The
      // Hub's answer is used only once the start is recorded, so even a quick refusal reads
      // queued → validating → failed. A duplicate delivery that loses the start stops there (its
      // Hub answer is the winner's too). Hub outages throw and are redelivered; a permanent answer
      // fails the deployment with its code.
      const inspecting = deps.hub.inspect(doc.hf_model_id, {
        revision: doc.revision,
        token: secrets?.hfToken ?? null,
      });
      inspecting.catch(() => undefined); // awaited below, after the start
      const started =
        doc.status !== 'queued' ||
        (await deps.store.mutate(id, (d) =>
          d.status === 'queued'
            ? {
                ...transition(d, 'validating', deps.clock.now()),
                progress: stage(d, 'validating', deps.clock.now()),
              }
            : null,
        ));
      if (!started) return;
      const report = await inspecting;
      // Pipeline class, task, LoRA adapters and the estimate: every refusal before anything bills.
      const { task, loras, estimate } = await assessModel(deps.hub, report, {
        modelId: doc.hf_model_id,
        task: doc.task,
        loras: doc.loras,
        token: secrets?.hfToken ?? null,
      });

      // Shared cache admission: allowlist, and gated/private only with a token that passed inspect().
      const refused = sharedCacheRejection(
        deps.config,
        doc,
        { gated: report.gated, private: report.private },
        (secrets?.hfToken ?? null) !== null,
      );
      if (refused) throw refused;

      const at = deps.clock.now();
      const written = await deps.store.mutate(id, (d) => {
        if (d.status !== 'validating') return null;
        return {
          ...transition(d, 'selecting_gpu', at),
          revision_sha: report.revisionSha,
          pipeline: report.pipelineClass,
          task,
          loras,
          model: {
            gated: report.gated,
            private: report.private,
            library_name: report.libraryName,
            pipeline_tag: report.pipelineTag,
            total_file_bytes: report.totalFileBytes,
          },
          estimate,
          timings: { ...d.timings, validated_at: at.toISOString() },
          progress: stage(d, 'selecting_gpu', at),
        };
      });
      if (written) {
        deps.log.info('model validated', {
          deployment_id: id,
          model: doc.hf_model_id,
          pipeline: report.pipelineClass,
          vram_bytes: estimate.vram_bytes,
        });
        await deps.bus.publish('deployment-select-gpu', { deployment_id: id });
      }
    },
  );
}
