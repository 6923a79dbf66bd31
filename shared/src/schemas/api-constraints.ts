import { GPU_TIER_NAMES, STATIC_GPU_POOLS } from '../gpu/catalog';

/**
 * Rules of the HTTP API that the request schemas enforce and `/openapi.json` states: one definition
 * for the check and for the document, so the two cannot drift apart.
 */

/** Letters of `s` matched in either case, everything else literally (a JSON Schema regex has no flags). */
function caseless(s: string): string {
  return s.replace(/[a-z]|[^\w]/gi, (c) =>
    /[a-z]/i.test(c) ? `[${c.toUpperCase()}${c.toLowerCase()}]` : `\\${c}`,
  );
}

/** RunPod serverless pool ids `gpu_pools` accepts (the static catalog; GET /v1/gpus lists them). */
export const GPU_POOL_IDS = STATIC_GPU_POOLS.map((p) => p.id) as [string, ...string[]];

const TIER_WORDS = new Set(['ECONOMY', 'STANDARD', 'PRO', 'ULTIMATE']);

/**
 * `gpu_tier`, case-insensitive: a pool id, a tier (ECONOMY, STANDARD, PRO, ULTIMATE), or a card alias
 * (A10, 4090, H100, …) optionally after "NVIDIA", "RTX" or "GeForce" and one space, "-" or "_".
 */
export const GPU_TIER_PATTERN = new RegExp(
  `^(?:${[
    ...GPU_POOL_IDS.map(caseless),
    ...GPU_TIER_NAMES.filter((n) => TIER_WORDS.has(n)).map(caseless),
    `(?:(?:${['NVIDIA', 'RTX', 'GEFORCE'].map(caseless).join('|')})[ _-]?)*(?:${GPU_TIER_NAMES.filter(
      (n) => !TIER_WORDS.has(n),
    )
      .map(caseless)
      .join('|')})`,
  ].join('|')})$`,
);

/**
 * An http(s) URL as the API accepts it: optional user info (which the webhook guard then refuses), a DNS host name (last label starting with a letter), an
 * IPv4 address or a bracketed IPv6 address, an optional port 1-65535, then visible ASCII only.
 */
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const TLD = '[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const H16 = '[0-9A-Fa-f]{1,4}';
const IPV6 = [
  `(?:${H16}:){7}${H16}`,
  `(?:${H16}:){1,7}:`,
  `(?:${H16}:){1,6}:${H16}`,
  `(?:${H16}:){1,5}(?::${H16}){1,2}`,
  `(?:${H16}:){1,4}(?::${H16}){1,3}`,
  `(?:${H16}:){1,3}(?::${H16}){1,4}`,
  `(?:${H16}:){1,2}(?::${H16}){1,5}`,
  `${H16}:(?::${H16}){1,6}`,
  `:(?::${H16}){1,7}`,
  `::`,
  `(?:${H16}:){6}${OCTET}(?:\\.${OCTET}){3}`,
  `::(?:[Ff]{4}:)?${OCTET}(?:\\.${OCTET}){3}`,
  `(?:${H16}:){1,5}:${OCTET}(?:\\.${OCTET}){3}`,
].join('|');
const PORT = '(?:6553[0-5]|655[0-2]\\d|65[0-4]\\d\\d|6[0-4]\\d{3}|[1-5]\\d{4}|[1-9]\\d{0,3})';
export const HTTP_URL_PATTERN = new RegExp(
  `^[Hh][Tt][Tt][Pp][Ss]?://(?:[A-Za-z0-9._~%!$&'()*+,;=:-]+@)?(?:(?:${LABEL}\\.)*${TLD}\\.?|${OCTET}(?:\\.${OCTET}){3}|\\[(?:${IPV6})\\])(?::${PORT})?(?:[/?#][\\x21-\\x7e]*)?$`,
);

/**
 * A RunPod API key as RunPod issues them: `rpa_` and letters, digits or `_`, or a legacy key of
 * letters and digits. Anything else is refused with 401 before it names a tenant.
 */
export const RUNPOD_KEY_PATTERN = /^(?:rpa_[A-Za-z0-9_]{8,508}|[A-Za-z0-9]{20,512})$/;

/** `Idempotency-Key`: 1-255 visible ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The seed's flat spellings of `cache`; a body uses one form or the other, never both. */
export const FLAT_CACHE_FIELDS = [
  'cache_scope',
  'user_s3_url',
  'user_aws_access_key_id',
  'user_aws_secret_access_key',
  'user_aws_endpoint_url',
] as const;

/**
 * JSON Schema for the cross-field rules of a deployment body, which zod checks in `superRefine`:
 * `workers_max ≥ workers_min` (workers_max defaults to 1, so a larger workers_min needs it); `cache`
 * or the flat fields, not both; each access key pair given together; a private cache with its
 * bucket and both keys. Written with anyOf (no if/then/not), which generators follow.
 */
export const CREATE_DEPLOYMENT_RULES: Record<string, unknown> = {
  dependentRequired: {
    user_aws_access_key_id: ['user_aws_secret_access_key'],
    user_aws_secret_access_key: ['user_aws_access_key_id'],
  },
  dependentSchemas: {
    cache: { properties: Object.fromEntries(FLAT_CACHE_FIELDS.map((f) => [f, false])) },
  },
  allOf: [
    {
      anyOf: [
        { properties: { workers_min: { maximum: 1 } } },
        ...Array.from({ length: 9 }, (_, i) => i + 2).map((k) => ({
          properties: { workers_min: { const: k }, workers_max: { minimum: k } },
          required: ['workers_min', 'workers_max'],
        })),
      ],
    },
    {
      anyOf: [
        { properties: { cache: { properties: { scope: { enum: ['none', 'shared'] } } } } },
        {
          required: ['cache'],
          properties: { cache: { required: ['s3_url', 'access_key_id', 'secret_access_key'] } },
        },
      ],
    },
    {
      anyOf: [
        { properties: { cache_scope: { enum: ['none', 'shared'] } } },
        { required: ['user_s3_url', 'user_aws_access_key_id', 'user_aws_secret_access_key'] },
      ],
    },
  ],
};

/** The access key pair inside `cache`: both or neither. */
export const CACHE_RULES: Record<string, unknown> = {
  dependentRequired: {
    access_key_id: ['secret_access_key'],
    secret_access_key: ['access_key_id'],
  },
};
