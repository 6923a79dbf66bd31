import { z } from 'zod';
import { credentialSchema, outboundUrlSchema, plainTextSchema, VISIBLE_ASCII } from '../safe-text';
import {
  CACHE_RULES,
  CREATE_DEPLOYMENT_RULES,
  FLAT_CACHE_FIELDS,
  GPU_POOL_IDS,
  GPU_TIER_PATTERN,
  HTTP_URL_PATTERN,
} from './api-constraints';

/** Hugging Face repo id: `org/name`, the Hub's own character set, no path tricks. */
export const HfModelIdSchema = z
  .string()
  .min(3)
  .max(96)
  .regex(
    /^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?\/[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/,
    'must be "org/name" using letters, digits, "-", "_" and "."',
  )
  .refine((s) => !s.includes('..') && !s.includes('--'), 'must not contain ".." or "--"');

/** Branch, tag or commit sha. */
export const RevisionSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_./-]*$/, 'must be a branch, tag or commit sha')
  .refine((s) => !s.includes('..'), 'must not contain ".."');

export const TASKS = ['text-to-image', 'image-to-image', 'inpainting', 'text-to-video'] as const;
export const TaskSchema = z.enum(TASKS);
export type Task = z.infer<typeof TaskSchema>;

/** Task spellings the seed and the peers use, normalised to ours; exactly these are accepted. */
export const TASK_ALIASES: Readonly<Record<string, Task>> = {
  'text-to-image': 'text-to-image',
  text_to_image: 'text-to-image',
  text2img: 'text-to-image',
  txt2img: 'text-to-image',
  'image-to-image': 'image-to-image',
  image_to_image: 'image-to-image',
  img2img: 'image-to-image',
  inpainting: 'inpainting',
  inpaint: 'inpainting',
  'text-to-video': 'text-to-video',
  text_to_video: 'text-to-video',
  text2video: 'text-to-video',
  t2v: 'text-to-video',
};

/** At most this many deploy-time LoRA adapters (the worker loads them all before ready). */
export const MAX_DEPLOY_LORAS = 5;

/** A path in a repo naming a `.safetensors` file, without path tricks. */
export const SafetensorsPathSchema = z
  .string()
  .min(13)
  .max(256)
  // Segments of names whose dots and slashes each sit between two name characters: no "..", no
  // "//", no leading "/" — said by the pattern itself, so the OpenAPI document carries the rule.
  .regex(
    /^(?:[A-Za-z0-9_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*\/)*[A-Za-z0-9_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*\.safetensors$/,
    'must be a path in the repo ending in .safetensors (no "..", no "//")',
  );

/** A LoRA's strength: 1 as trained, 0 off, negative inverts (slider LoRAs). */
export const LoraScaleSchema = z.number().min(-4).max(4);

/** One deploy-time LoRA adapter: a Hub repo, optionally a file in it and a revision, and a scale. */
export const DeployLoraSchema = z.strictObject({
  hf_repo: HfModelIdSchema,
  weight_name: SafetensorsPathSchema.optional(),
  revision: RevisionSchema.optional(),
  scale: LoraScaleSchema.default(1),
});
export type DeployLora = z.output<typeof DeployLoraSchema>;

export const WEBHOOK_EVENTS = [
  'deployment.ready',
  'deployment.failed',
  'deployment.deleted',
] as const;
export const WebhookEventTypeSchema = z.enum(WEBHOOK_EVENTS);
export type WebhookEventType = z.infer<typeof WebhookEventTypeSchema>;

export const CACHE_SCOPES = ['none', 'private', 'shared'] as const;

const PoolIdSchema = z.enum(GPU_POOL_IDS, {
  error: 'must be a RunPod pool id listed by GET /v1/gpus, such as ADA_24',
});

/**
 * An http(s) URL we call or hand on: the document's exact URL grammar (HTTP_URL_PATTERN), then the
 * visible-ASCII and WHATWG URL checks of `outboundUrlSchema`.
 */
export const httpUrlSchema = (max = 2048) =>
  z
    .string()
    .max(max)
    .regex(HTTP_URL_PATTERN, 'must be an http(s) URL with a host name or IP address')
    .pipe(outboundUrlSchema(max));

const CacheSchema = z
  .strictObject({
    scope: z.enum(CACHE_SCOPES).default('none'),
    s3_url: z
      .string()
      .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'must be s3://bucket/prefix')
      .regex(VISIBLE_ASCII, 'must be ASCII without spaces or control characters')
      .optional(),
    endpoint_url: httpUrlSchema().optional(),
    access_key_id: credentialSchema(256).optional(),
    secret_access_key: credentialSchema(256).optional(),
  })
  .meta(CACHE_RULES);

/**
 * The body of `POST /v1/deployments` (and `POST /v1/estimates`) as users send it, seed aliases included.
 * Unknown fields are rejected so a typo never silently changes what gets deployed.
 */
export const CreateDeploymentBodySchema = z
  .strictObject({
    hf_model_id: HfModelIdSchema,
    revision: RevisionSchema.optional(),
    hf_token: credentialSchema(512).optional(),
    task: z
      .enum(Object.keys(TASK_ALIASES) as [string, ...string[]], {
        error: `unsupported task; supported: ${TASKS.join(', ')}`,
      })
      .transform((t) => TASK_ALIASES[t] ?? 'text-to-image')
      .optional(),
    loras: z.array(DeployLoraSchema).max(MAX_DEPLOY_LORAS).optional(),
    gpu_tier: z
      .string()
      .min(1)
      .max(64)
      .regex(
        GPU_TIER_PATTERN,
        'must be a pool id, a tier (ECONOMY, STANDARD, PRO, ULTIMATE) or a card such as A10, 4090, H100; see GET /v1/gpus',
      )
      .optional(),
    gpu_pools: z.array(PoolIdSchema).min(1).max(3).optional(),
    workers_min: z.int().min(0).max(10).default(0),
    workers_max: z.int().min(1).max(10).default(1),
    idle_timeout_s: z.int().min(5).max(3600).default(120),
    flashboot: z.boolean().default(true),
    data_centers: z
      .array(z.string().regex(/^[A-Z0-9-]{2,32}$/))
      .max(20)
      .optional(),
    user_webhook_url: httpUrlSchema().optional(),
    webhook_events: z.array(WebhookEventTypeSchema).min(1).optional(),
    cache: CacheSchema.optional(),
    cache_scope: z.enum(CACHE_SCOPES).optional(),
    user_s3_url: z
      .string()
      .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'must be s3://bucket/prefix')
      .regex(VISIBLE_ASCII, 'must be ASCII without spaces or control characters')
      .optional(),
    user_aws_access_key_id: credentialSchema(256).optional(),
    user_aws_secret_access_key: credentialSchema(256).optional(),
    user_aws_endpoint_url: httpUrlSchema().optional(),
    ttl_s: z
      .int()
      .min(60)
      .max(30 * 24 * 3600)
      .optional(),
    budget_usd: z.number().positive().max(100_000).optional(),
    metadata: z
      .record(plainTextSchema(1, 64), plainTextSchema(0, 512))
      .refine((m) => Object.keys(m).length <= 16, 'at most 16 entries')
      // The same limit for /openapi.json, which cannot read the refine.
      .meta({ maxProperties: 16 })
      .optional(),
  })
  .superRefine((b, ctx) => {
    if (b.workers_max < b.workers_min) {
      ctx.addIssue({
        code: 'custom',
        path: ['workers_max'],
        message: 'workers_max must be at least workers_min',
      });
    }
    const scope = b.cache?.scope ?? b.cache_scope;
    const hasBucket = (b.cache?.s3_url ?? b.user_s3_url) !== undefined;
    const hasKeys =
      (b.cache?.access_key_id ?? b.user_aws_access_key_id) !== undefined &&
      (b.cache?.secret_access_key ?? b.user_aws_secret_access_key) !== undefined;
    if (scope === 'private' && !(hasBucket && hasKeys)) {
      ctx.addIssue({
        code: 'custom',
        path: ['cache'],
        message: 'a private cache needs s3_url, access_key_id and secret_access_key',
      });
    }
    if (b.cache !== undefined) {
      for (const field of FLAT_CACHE_FIELDS) {
        if (b[field] !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [field],
            message: 'give the cache either as `cache` or as the flat fields, not both',
          });
      }
    }
    const pairs: [string, unknown, unknown][] = [
      ['cache.access_key_id', b.cache?.access_key_id, b.cache?.secret_access_key],
      ['user_aws_access_key_id', b.user_aws_access_key_id, b.user_aws_secret_access_key],
    ];
    for (const [path, id, secret] of pairs) {
      if ((id === undefined) !== (secret === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: path.split('.'),
          message: 'an access key id and its secret access key go together',
        });
      }
    }
  })
  .meta(CREATE_DEPLOYMENT_RULES);
export type CreateDeploymentBody = z.input<typeof CreateDeploymentBodySchema>;

/** Endpoint settings after defaults, as stored on the deployment. */
export const DeploymentSettingsSchema = z.object({
  workers_min: z.int(),
  workers_max: z.int(),
  idle_timeout_s: z.int(),
  flashboot: z.boolean(),
  data_centers: z.array(z.string()).nullable(),
  gpu_tier: z.string().nullable(),
  gpu_pools: z.array(z.string()).nullable(),
  webhook_events: z.array(WebhookEventTypeSchema),
  cache_scope: z.enum(CACHE_SCOPES),
  ttl_s: z.int().nullable(),
  budget_usd: z.number().nullable(),
});
export type DeploymentSettings = z.infer<typeof DeploymentSettingsSchema>;

/** The secrets a request carried; they go to the encrypted store and nowhere else. */
export interface RequestSecrets {
  hfToken: string | null;
  webhookUrl: string | null;
  cache: {
    s3Url: string;
    endpointUrl: string | null;
    accessKeyId: string;
    secretAccessKey: string;
  } | null;
}

/** A validated request split into what may be stored in the clear and what must be encrypted. */
export interface NormalizedDeploymentRequest {
  hfModelId: string;
  revision: string;
  /** The task asked for, or null: the validate step defaults it from the pipeline class. */
  task: Task | null;
  /** Deploy-time LoRA adapters as asked for (revision `main` when left out). */
  loras: { hf_repo: string; weight_name: string | null; revision: string; scale: number }[];
  settings: DeploymentSettings;
  metadata: Record<string, string>;
  webhookUrlHost: string | null;
  secrets: RequestSecrets;
}

/**
 * Applies defaults and folds the seed's flat cache aliases into `cache`. Pure; the body must already
 * have passed `CreateDeploymentBodySchema`.
 */
export function normalizeDeploymentRequest(
  body: z.output<typeof CreateDeploymentBodySchema>,
): NormalizedDeploymentRequest {
  const cacheScope = body.cache?.scope ?? body.cache_scope ?? 'none';
  const s3Url = body.cache?.s3_url ?? body.user_s3_url;
  const accessKeyId = body.cache?.access_key_id ?? body.user_aws_access_key_id;
  const secretAccessKey = body.cache?.secret_access_key ?? body.user_aws_secret_access_key;
  const endpointUrl = body.cache?.endpoint_url ?? body.user_aws_endpoint_url ?? null;
  return {
    hfModelId: body.hf_model_id,
    revision: body.revision ?? 'main',
    task: body.task ?? null,
    loras: (body.loras ?? []).map((l) => ({
      hf_repo: l.hf_repo,
      weight_name: l.weight_name ?? null,
      revision: l.revision ?? 'main',
      scale: l.scale,
    })),
    settings: {
      workers_min: body.workers_min,
      workers_max: body.workers_max,
      idle_timeout_s: body.idle_timeout_s,
      flashboot: body.flashboot,
      data_centers: body.data_centers ?? null,
      gpu_tier: body.gpu_tier ?? null,
      gpu_pools: body.gpu_pools ?? null,
      webhook_events: body.webhook_events ?? [...WEBHOOK_EVENTS],
      cache_scope: cacheScope,
      ttl_s: body.ttl_s ?? null,
      budget_usd: body.budget_usd ?? null,
    },
    metadata: body.metadata ?? {},
    webhookUrlHost:
      body.user_webhook_url === undefined ? null : new URL(body.user_webhook_url).host,
    secrets: {
      hfToken: body.hf_token ?? null,
      webhookUrl: body.user_webhook_url ?? null,
      cache:
        cacheScope === 'private' && s3Url && accessKeyId && secretAccessKey
          ? { s3Url, endpointUrl, accessKeyId, secretAccessKey }
          : null,
    },
  };
}
