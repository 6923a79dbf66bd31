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
  /**
   * Fields of a response body that the spec's schema does not declare, as JSON pointers (most
   * response schemas allow extra properties, so `validateResponse` alone would let a simulator
   * invent fields RunPod never sends — as it once invented `Endpoint.templateId`). [] when none.
   */
  undeclaredFields(method: string, route: string, status: number, body: unknown): string[];
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

  /** The `$ref` of the body schema declared for a response, or null when it declares no body. */
  const responseSchemaRef = (method: string, route: string, status: number): string | null => {
    const m = method.toLowerCase();
    const responses = get(spec, ['paths', route, m, 'responses']);
    if (!responses) throw new Error(`no operation ${method} ${route} in the spec`);
    const key = String(status) in responses ? String(status) : 'default';
    const declared = get(responses, [key]);
    if (!declared)
      throw new UndeclaredStatus(`status ${status} is not declared for ${method} ${route}`);
    // A response is declared inline or as a $ref into components.responses.
    const ref = declared.$ref;
    const response = typeof ref === 'string' ? get(spec, ref.slice(2).split('/')) : declared;
    const content = response && get(response, ['content']);
    if (!content) return null;
    const schema = get(content, [Object.keys(content)[0] ?? '', 'schema']);
    const schemaRef = schema?.$ref;
    if (typeof schemaRef !== 'string') throw new Error(`inline schema for ${method} ${route}`);
    return schemaRef;
  };

  return {
    validateSchema: (name, body) => check(`/components/schemas/${name}`, body),
    validateResponse(method, route, status, body) {
      let ref: string | null;
      try {
        ref = responseSchemaRef(method, route, status);
      } catch (e) {
        if (e instanceof UndeclaredStatus) return [e.message];
        throw e;
      }
      if (ref === null) return body === undefined ? [] : [`${status} declares no body`];
      return check(ref.slice(1), body);
    },
    undeclaredFields(method, route, status, body) {
      let ref: string | null;
      try {
        ref = responseSchemaRef(method, route, status);
      } catch (e) {
        if (e instanceof UndeclaredStatus) return [];
        throw e;
      }
      if (ref === null) return [];
      return extraFields(spec, [{ $ref: ref }], body, '');
    },
  };
}

class UndeclaredStatus extends Error {}

/**
 * Properties of `body` that none of `schemas` declares, recursively (through `$ref`, `allOf`,
 * `anyOf`, `oneOf`, `if`/`then`/`else`, `properties` and `items`). An object schema with
 * `additionalProperties` other than `false` (a map such as `env`) accepts any key.
 */
function extraFields(spec: Json, schemas: Json[], body: unknown, at: string): string[] {
  const flat = flatten(spec, schemas);
  if (Array.isArray(body)) {
    const items = flat.flatMap((s) => (isJson(s.items) ? [s.items] : []));
    return items.length === 0
      ? []
      : body.flatMap((b, i) => extraFields(spec, items, b, `${at}/${i}`));
  }
  if (!isJson(body)) return [];
  if (flat.some((s) => s.additionalProperties !== undefined && s.additionalProperties !== false)) {
    return [];
  }
  const declared = new Map<string, Json[]>();
  for (const s of flat) {
    if (!isJson(s.properties)) continue;
    for (const [k, v] of Object.entries(s.properties)) {
      if (isJson(v)) declared.set(k, [...(declared.get(k) ?? []), v]);
    }
  }
  return Object.entries(body).flatMap(([k, v]) => {
    const sub = declared.get(k);
    return sub ? extraFields(spec, sub, v, `${at}/${k}`) : [`${at}/${k}`];
  });
}

/** The schemas with every `$ref` and composition keyword expanded into one flat list. */
function flatten(spec: Json, schemas: Json[], seen = new Set<Json>()): Json[] {
  const out: Json[] = [];
  for (const schema of schemas) {
    if (seen.has(schema)) continue;
    seen.add(schema);
    const ref = schema.$ref;
    const resolved = typeof ref === 'string' ? get(spec, ref.slice(2).split('/')) : undefined;
    if (resolved) out.push(...flatten(spec, [resolved], seen));
    out.push(schema);
    for (const k of ['allOf', 'anyOf', 'oneOf']) {
      const list = schema[k];
      if (Array.isArray(list)) out.push(...flatten(spec, list.filter(isJson), seen));
    }
    for (const k of ['then', 'else']) {
      const sub = schema[k];
      if (isJson(sub)) out.push(...flatten(spec, [sub], seen));
    }
  }
  return out;
}

function isJson(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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
