import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { lfsPointer, readRange, type VirtualFile } from './virtual-repo';

/** A parsed single `Range: bytes=…` header, or 'unsatisfiable'. Multi-range is not supported. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | null {
  if (header === undefined) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return null;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  if (start >= size) return 'unsatisfiable';
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (end < start) return 'unsatisfiable';
  return { start, end };
}

export interface ServeFileOptions {
  method: string;
  rangeHeader: string | undefined;
  commit: string;
  /** `raw` serves the LFS pointer for LFS files instead of their content. */
  raw: boolean;
  maxResponseBytes: number;
}

/**
 * Answers HEAD/GET of a file: 200 with the whole file, or 206 with Content-Range for a Range
 * request, always with ETag, Content-Length and X-Repo-Commit. Zero tails are streamed.
 * Returns the number of body bytes promised.
 */
export function serveFile(res: ServerResponse, file: VirtualFile, opts: ServeFileOptions): number {
  const served: VirtualFile =
    opts.raw && file.isLfs
      ? { ...file, isLfs: false, head: Buffer.from(lfsPointer(file)), contentType: 'text/plain' }
      : file;
  if (served !== file) served.size = served.head.length;
  const headers: Record<string, string> = {
    'Content-Type': served.contentType,
    ETag: `"${file.oid}"`,
    'X-Repo-Commit': opts.commit,
    'Accept-Ranges': 'bytes',
  };
  if (file.isLfs && !opts.raw) headers['X-Linked-Size'] = String(file.size);
  const range = parseRange(opts.rangeHeader, served.size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${served.size}` }).end();
    return 0;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? served.size - 1;
  const length = Math.max(0, end - start + 1);
  if (length > opts.maxResponseBytes) {
    res
      .writeHead(416, {
        'Content-Type': 'application/json',
        'X-Error-Code': 'SimTooLarge',
        'Content-Range': `bytes */${served.size}`,
      })
      .end(
        JSON.stringify({ error: `hf-sim refuses to send ${length} bytes; use a Range request` }),
      );
    return 0;
  }
  headers['Content-Length'] = String(length);
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${served.size}`;
  res.writeHead(range ? 206 : 200, headers);
  if (opts.method === 'HEAD' || length === 0) {
    res.end();
    return 0;
  }
  Readable.from(readRange(served, start, end)).pipe(res);
  return length;
}
