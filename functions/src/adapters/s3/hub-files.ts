import { Readable } from 'node:stream';
import { AppError } from '@visgate/shared';
import type { ModelFileSource, SourceFile } from '../../ports';

interface TreeEntry {
  type: string;
  path: string;
  size: number;
  lfs?: { oid: string; size: number };
}

/** Reads a revision's file list and bodies from the Hub's REST API (`tree`, `resolve`). */
export function hubFileSource(opts: {
  hubUrl: string;
  token: string | null;
  fetchImpl?: typeof fetch;
}): ModelFileSource {
  const hubUrl = opts.hubUrl.replace(/\/+$/, '');
  const f = opts.fetchImpl ?? fetch;
  const headers: Record<string, string> = opts.token
    ? { Authorization: `Bearer ${opts.token}` }
    : {};
  const check = (res: Response, what: string): void => {
    if (res.ok) return;
    if (res.status === 401 || res.status === 403) {
      throw new AppError('MODEL_GATED', `the Hub refused ${what} (HTTP ${res.status})`);
    }
    if (res.status === 404) throw new AppError('MODEL_NOT_FOUND', `the Hub has no ${what}`);
    throw new AppError('UPSTREAM_UNAVAILABLE', `the Hub failed ${what} (HTTP ${res.status})`);
  };
  return {
    async list(modelId, sha) {
      const out: SourceFile[] = [];
      let url: string | null = `${hubUrl}/api/models/${modelId}/tree/${sha}?recursive=true`;
      while (url) {
        const res = await f(url, { headers });
        check(res, `the file list of ${modelId}@${sha}`);
        for (const e of (await res.json()) as TreeEntry[]) {
          if (e.type === 'file')
            out.push({ path: e.path, size: e.size, sha256: e.lfs?.oid ?? null });
        }
        const next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '');
        url = next?.[1] ? new URL(next[1], hubUrl).toString() : null;
      }
      return out;
    },
    async open(modelId, sha, path) {
      const p = path.split('/').map(encodeURIComponent).join('/');
      const res = await f(`${hubUrl}/${modelId}/resolve/${sha}/${p}`, {
        headers,
        redirect: 'follow',
      });
      check(res, `${path} of ${modelId}@${sha}`);
      if (!res.body) throw new AppError('UPSTREAM_UNAVAILABLE', `the Hub sent no body for ${path}`);
      return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
    },
  };
}
