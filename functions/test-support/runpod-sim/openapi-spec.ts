import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/**
 * RunPod's REST v2 OpenAPI 3.1 document (a verbatim copy of shared/reference/runpod-openapi-v2.json)
 * compiled with ajv, so the simulator rejects what RunPod rejects and tests can check that every
 * body the simulator sends is one RunPod could send.
 */

type Json = Record<string, unknown>;

const SPEC_ID = 'runpod-v2.json';

export interface SpecValidator {
  /** Problems with `body` against `components.schemas[name]`, as `"<path> <message>"`; [] when valid. */
  validateSchema(name: string, body: unknown): string[];
  /**
   * Problems with a response body against the spec's response for `method route` and `status`
   * (falling back to `default`); [] when valid. `route` is the path template, e.g. `/v2/serverless/{id}`.
   */
  validateResponse(method: string, route: string, status: number, body: unknown): string[];
}

let cached: SpecValidator | undefined;

/** Loads and compiles the spec once per process. */
export function specValidator(): SpecValidator {
  cached ??= buildSpecValidator();
  return cached;
}

function buildSpecValidator(): SpecValidator {
  const spec = JSON.parse(readFileSync(join(__dirname, 'runpod-openapi-v2.json'), 'utf8')) as Json;
  hoistConditionals(get(spec, ['components', 'schemas']) ?? {});
  // strict:false tolerates OpenAPI keywords (x-enum-varnames, examples, discriminator).
  const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);
  for (const f of ['float', 'double', 'int32', 'int64']) ajv.addFormat(f, true);
  ajv.addSchema(spec, SPEC_ID);

  const check = (pointer: string, body: unknown): string[] => {
    const validate = ajv.getSchema(`${SPEC_ID}#${pointer}`);
    if (!validate) throw new Error(`no schema at ${pointer}`);
    if (validate(body)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`);
  };

  return {
    validateSchema: (name, body) => check(`/components/schemas/${name}`, body),
    validateResponse(method, route, status, body) {
      const m = method.toLowerCase();
      const responses = get(spec, ['paths', route, m, 'responses']);
      if (!responses) throw new Error(`no operation ${method} ${route} in the spec`);
      const key = String(status) in responses ? String(status) : 'default';
      const declared = get(responses, [key]);
      if (!declared) return [`status ${status} is not declared for ${method} ${route}`];
      // A response is declared inline or as a $ref into components.responses.
      const ref = declared.$ref;
      const response = typeof ref === 'string' ? get(spec, ref.slice(2).split('/')) : declared;
      const content = response && get(response, ['content']);
      if (!content) return body === undefined ? [] : [`${status} declares no body`];
      const schema = get(content, [Object.keys(content)[0] ?? '', 'schema']);
      const schemaRef = schema?.$ref;
      if (typeof schemaRef !== 'string') throw new Error(`inline schema for ${method} ${route}`);
      return check(schemaRef.slice(1), body);
    },
  };
}

/**
 * Moves a top-level `if`/`then`/`else` into `allOf`, which means the same in JSON Schema 2020-12.
 * Works around ajv 8 forgetting every evaluated property when a sibling `if` fails, which made it
 * reject every valid CreateEndpointRequest under `unevaluatedProperties: false`.
 */
function hoistConditionals(schemas: Json): void {
  for (const schema of Object.values(schemas) as Json[]) {
    if (!('if' in schema)) continue;
    const conditional: Json = {};
    for (const k of ['if', 'then', 'else']) {
      if (k in schema) conditional[k] = schema[k];
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete
      delete schema[k];
    }
    schema.allOf = [...((schema.allOf as Json[] | undefined) ?? []), conditional];
  }
}

function get(obj: Json, path: string[]): Json | undefined {
  let cur: unknown = obj;
  for (const p of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Json)[p];
  }
  return typeof cur === 'object' && cur !== null ? (cur as Json) : undefined;
}
