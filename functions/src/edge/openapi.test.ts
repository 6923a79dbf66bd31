import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { CreateDeploymentBodySchema, CreateJobBodySchema, type Job } from '@visgate/shared';
import { OPERATION_ERRORS, declaredMethods, openApiDocument } from './openapi';
import { problem } from './problem';
import { jobView } from './routes-jobs';

type Ops = Record<string, Record<string, unknown>>;
const doc = openApiDocument('http://api.test') as {
  paths: Record<string, Ops>;
  components: { schemas: Record<string, object> };
};
const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => ({ path, method, op })),
);

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
for (const [name, schema] of Object.entries(doc.components.schemas))
  ajv.addSchema(schema, `#/components/schemas/${name}`);
const validator = (name: string) => ajv.getSchema(`#/components/schemas/${name}`)!;

describe('the OpenAPI document', () => {
  it('names every operation once and declares its security (none, key, or a worker token)', () => {
    const ids = operations.map((o) => o.op.operationId);
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, op } of operations)
      expect([`${method} ${path}`, Array.isArray(op.security)]).toEqual([
        `${method} ${path}`,
        true,
      ]);
    expect(doc.paths['/internal/job-hints/{id}']?.post?.security).toEqual([{ jobHintToken: [] }]);
  });

  it('gives every success response a body schema (or none: 204) and the X-Request-Id header', () => {
    for (const { path, method, op } of operations) {
      const responses = op.responses as Record<
        string,
        { content?: Record<string, { schema?: unknown }>; headers?: Record<string, unknown> }
      >;
      for (const [status, response] of Object.entries(responses)) {
        const where = `${method} ${path} ${status}`;
        expect([where, Object.keys(response.headers ?? {})]).toEqual([
          where,
          expect.arrayContaining(['X-Request-Id']),
        ]);
        if (status === '204') continue;
        const media = Object.values(response.content ?? {});
        expect([where, media.length > 0 && media.every((m) => m.schema !== undefined)]).toEqual([
          where,
          true,
        ]);
      }
    }
  });

  it('links a created deployment and a created job to the operations on them', () => {
    const links = (path: string, method: string, status: string) =>
      Object.values(
        (doc.paths[path]?.[method] as { responses: Record<string, { links?: object }> }).responses[
          status
        ]?.links ?? {},
      ).map((l) => (l as { operationId: string }).operationId);
    const ids = new Set(operations.map((o) => o.op.operationId));
    const fromDeployment = links('/v1/deployments', 'post', '202');
    expect(fromDeployment).toEqual(
      expect.arrayContaining([
        'getDeployment',
        'deleteDeployment',
        'pauseDeployment',
        'resumeDeployment',
        'listJobs',
        'createJob',
      ]),
    );
    expect(links('/v1/deployments/{id}/jobs', 'post', '202')).toEqual(['getJob', 'cancelJob']);
    for (const id of fromDeployment) expect(ids.has(id)).toBe(true);
  });

  const responsesOf = (operationId: string) =>
    operations.find((o) => o.op.operationId === operationId)!.op.responses as Record<
      string,
      { content?: Record<string, { schema: Record<string, unknown> }> }
    >;
  const errorStatuses = (operationId: string) =>
    Object.keys(responsesOf(operationId)).filter((s) => !/^2/.test(s));

  it('lists the error statuses each operation can answer, each a problem, and no catch-all', () => {
    expect(Object.keys(OPERATION_ERRORS).sort()).toEqual(
      operations.map((o) => String(o.op.operationId)).sort(),
    );
    for (const { path, method, op } of operations) {
      const id = String(op.operationId);
      const responses = op.responses as Record<string, { content?: Record<string, unknown> }>;
      const where = `${method} ${path}`;
      expect([where, Object.keys(responses)]).not.toEqual([
        where,
        expect.arrayContaining(['default']),
      ]);
      for (const status of errorStatuses(id))
        expect([where, status, Object.keys(responses[status]!.content ?? {})]).toEqual([
          where,
          status,
          ['application/problem+json'],
        ]);
      const secured = (op.security as object[]).some((s) => 'runpodKey' in s);
      const hasId = path.includes('{id}');
      const hasBody = op.requestBody !== undefined;
      expect([where, errorStatuses(id)]).toEqual([
        where,
        expect.arrayContaining([
          '500',
          ...(secured ? ['401'] : []),
          ...(hasId ? ['400', '404'] : []),
          ...(hasBody ? ['400', '413'] : []),
        ]),
      ]);
    }
    // What the routes really answer, beyond the rules above.
    expect(errorStatuses('createDeployment')).toEqual([
      '400',
      '401',
      '409',
      '413',
      '429',
      '500',
      '503',
    ]);
    expect(errorStatuses('createJob')).toEqual([
      '400',
      '401',
      '404',
      '409',
      '413',
      '429',
      '500',
      '503',
    ]);
    expect(errorStatuses('createEstimate')).toEqual([
      '400',
      '401',
      '403',
      '404',
      '413',
      '422',
      '500',
      '503',
    ]);
    expect(errorStatuses('pauseDeployment')).toContain('409');
    expect(errorStatuses('getDeployment')).toEqual(['400', '401', '404', '500']);
    expect(errorStatuses('listDeployments')).toEqual(['400', '401', '500']);
    expect(errorStatuses('health')).toEqual(['500']);
  });

  it('accepts the problems an operation sends under their status and refuses other codes', () => {
    const accepts = (operationId: string, status: string, body: Record<string, unknown>) => {
      const schema =
        responsesOf(operationId)[status]?.content?.['application/problem+json']?.schema;
      if (!schema) return false;
      return ajv.compile({ ...schema, components: doc.components })(body);
    };
    const sent = (code: Parameters<typeof problem>[0]) =>
      problem(code, 'detail', { instance: '/x', requestId: 'req_abcdefghijkl' }).body;
    expect(accepts('createJob', '409', sent('CONFLICT'))).toBe(true);
    expect(accepts('createDeployment', '409', sent('IDEMPOTENCY_MISMATCH'))).toBe(true);
    expect(accepts('createEstimate', '422', sent('MODEL_TOO_LARGE'))).toBe(true);
    // Estimates parse the body as creation does: credentials in a cache endpoint URL are refused.
    expect(accepts('createEstimate', '400', sent('CACHE_ENDPOINT_REJECTED'))).toBe(true);
    expect(accepts('getDeployment', '404', sent('NOT_FOUND'))).toBe(true);
    expect(accepts('getDeployment', '500', sent('INTERNAL'))).toBe(true);
    // A code the route does not send, or a body whose status is not the response's, is refused.
    expect(accepts('getDeployment', '404', sent('MODEL_NOT_FOUND'))).toBe(false);
    expect(accepts('createJob', '409', sent('IDEMPOTENCY_MISMATCH'))).toBe(false);
    expect(accepts('createJob', '400', sent('NOT_FOUND'))).toBe(false);
    expect(accepts('getDeployment', '409', sent('CONFLICT'))).toBe(false);
  });

  it('matches undeclared methods to the Allow list the 405 sends', () => {
    const allow = (path: string) => declaredMethods(doc).find((r) => r.pattern.test(path))?.allow;
    expect(allow('/v1/deployments/dpl_x/jobs')).toEqual(['POST', 'GET', 'HEAD']);
    expect(allow('/internal/job-hints/job_x')).toEqual(['POST']);
    expect(allow('/v1/deployments/dpl_x/nope')).toBeUndefined();
  });

  // The document and the zod schema the server validates with must accept exactly the same bodies.
  it.each<[string, Record<string, unknown>, boolean]>([
    ['the minimal body', {}, true],
    ['a seed task alias', { task: 'txt2img' }, true],
    ['an unknown task', { task: 'image-to-video' }, false],
    ['a task in other case', { task: 'Text-To-Image' }, false],
    ['a pool id as tier', { gpu_tier: 'ada_24' }, true],
    ['a tier', { gpu_tier: 'Economy' }, true],
    ['a card alias with a vendor prefix', { gpu_tier: 'NVIDIA H200' }, true],
    ['an unknown tier', { gpu_tier: 'TPU9' }, false],
    ['a tier with a trailing space', { gpu_tier: 'A10 ' }, false],
    ['known pools', { gpu_pools: ['ADA_24', 'AMPERE_16'] }, true],
    ['an unknown pool', { gpu_pools: ['ADA_25'] }, false],
    ['workers_min 3 with the default workers_max', { workers_min: 3 }, false],
    ['workers_min 3, workers_max 3', { workers_min: 3, workers_max: 3 }, true],
    ['workers_max below workers_min', { workers_min: 4, workers_max: 2 }, false],
    ['an access key id alone', { user_aws_access_key_id: 'AKIA' }, false],
    [
      'a private cache with its bucket and keys',
      {
        cache: {
          scope: 'private',
          s3_url: 's3://bucket/p',
          access_key_id: 'AKIA',
          secret_access_key: 'secret',
        },
      },
      true,
    ],
    [
      'a private cache without keys',
      { cache: { scope: 'private', s3_url: 's3://bucket/p' } },
      false,
    ],
    [
      'a private flat cache without keys',
      { cache_scope: 'private', user_s3_url: 's3://b1/p' },
      false,
    ],
    ['cache and a flat field together', { cache: { scope: 'none' }, cache_scope: 'none' }, false],
    ['metadata in any script', { metadata: { équipe: 'チーム 🚀' } }, true],
    ['a metadata key with a control character', { metadata: { 'a\u000eb': 'x' } }, false],
    ['a metadata value with a line separator', { metadata: { a: 'x\u2028y' } }, false],
    [
      '17 metadata entries',
      { metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) },
      false,
    ],
    ['a webhook on a host name', { user_webhook_url: 'https://hooks.example.com/x?a=1' }, true],
    ['a webhook that is not a URL', { user_webhook_url: '(`TT' }, false],
    ['a webhook with a port out of range', { user_webhook_url: 'https://a.example:70000/' }, false],
    ['a webhook on a bad IPv4 address', { user_webhook_url: 'http://1.2.3.999/' }, false],
  ])('CreateDeployment agrees with the server on %s', (_what, extra, valid) => {
    const body = { hf_model_id: 'stabilityai/sd-turbo', ...extra };
    expect(CreateDeploymentBodySchema.safeParse(body).success).toBe(valid);
    expect(validator('CreateDeployment')(body)).toBe(valid);
  });

  const put = (n: number) => Array.from({ length: n }, (_, i) => `https://s3.example/b/${i}?sig=x`);
  it.each<[string, Record<string, unknown>, boolean]>([
    ['a prompt alone', { prompt: 'a cat' }, true],
    [
      'two images, two PUT URLs',
      { prompt: 'a', num_images: 2, output: { type: 's3', put_urls: put(2) } },
      true,
    ],
    [
      'two images, one PUT URL',
      { prompt: 'a', num_images: 2, output: { type: 's3', put_urls: put(1) } },
      false,
    ],
    [
      'one image (default), one PUT URL',
      { prompt: 'a', output: { type: 's3', put_urls: put(1) } },
      true,
    ],
    [
      'GET URLs matching the PUT URLs',
      { prompt: 'a', output: { type: 's3', put_urls: put(2), get_urls: put(2) } },
      true,
    ],
    [
      'fewer GET URLs than PUT URLs',
      { prompt: 'a', output: { type: 's3', put_urls: put(2), get_urls: put(1) } },
      false,
    ],
    ['an odd width', { prompt: 'a', width: 513 }, false],
  ])('CreateJob agrees with the server on %s', (_what, input, valid) => {
    const body = { input };
    expect(CreateJobBodySchema.safeParse(body).success).toBe(valid);
    expect(validator('CreateJob')(body)).toBe(valid);
  });

  it('describes job views as the server sends them: links, live output, output_expired', () => {
    const job: Job = {
      job_id: 'job_aaaaaaaaaaaaaaaaaaaaaaaaaa',
      owner_hash: 'h',
      deployment_id: 'dpl_aaaaaaaaaaaaaaaaaaaaaaaaaa',
      endpoint_id: 'e1',
      runpod_job_id: 'r1',
      status: 'completed',
      runpod_status: 'COMPLETED',
      input: { prompt: 'x' },
      policy: { execution_timeout_s: null, ttl_s: null },
      output: { images: [], inference_s: 1.5 },
      error: null,
      timings: { queue_s: 0.1, execution_s: 2, completed_at: '2026-11-30T10:00:00.000Z' },
      cost: { price_per_hour_usd: 0.5, estimated_usd: 0.0003 },
      webhook: null,
      created_at: '2026-11-30T10:00:00.000Z',
      updated_at: '2026-11-30T10:00:02.000Z',
      version: 3,
    };
    const listed = jobView(job);
    expect(validator('Job')(listed) ? [] : validator('Job').errors).toEqual([]);
    const read = { ...jobView(job, { images: [{ base64: 'iVBOR' }] }), output_expired: false };
    expect(validator('JobRead')(read) ? [] : validator('JobRead').errors).toEqual([]);
  });

  it('describes the extra members of problem bodies', () => {
    const problem = {
      type: 'https://visgate.dev/problems/model-not-found',
      title: 'Model not found',
      status: 404,
      detail: 'Hugging Face rejected the hf_token (invalid or expired).',
      code: 'MODEL_NOT_FOUND',
      instance: '/v1/estimates',
      request_id: 'req_abcdefghijkl',
      retryable: false,
      model_id: 'org/name',
      upstream_status: 401,
      reason: 'token_rejected',
    };
    expect(validator('Problem')(problem) ? [] : validator('Problem').errors).toEqual([]);
    expect(validator('Problem')({ ...problem, unheard_of: 1 })).toBe(false);
  });
});
