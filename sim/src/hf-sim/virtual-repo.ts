import { createHash } from 'node:crypto';
import type { RepoFixture } from './repo-fixture';
import { buildSafetensors, type VirtualSafetensors } from './safetensors-bytes';

/** One file as the simulator serves it: stored leading bytes, then zeros up to `size`. */
export interface VirtualFile {
  path: string;
  size: number;
  /** Whether the real Hub would store it with Git LFS (weights and other binaries). */
  isLfs: boolean;
  /** Git blob sha1 for regular files, a deterministic stand-in sha256 for LFS files. */
  oid: string;
  contentType: string;
  /** The bytes actually held: the whole file for small files, the header for safetensors. */
  head: Buffer;
}

/** A fixture expanded into servable files, keyed by path. */
export interface VirtualRepo {
  fixture: RepoFixture;
  files: Map<string, VirtualFile>;
}

const ZEROS = Buffer.alloc(64 * 1024);

function gitBlobSha1(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

function contentTypeOf(path: string): string {
  if (path.endsWith('.json')) return 'application/json';
  if (/\.(txt|md|model)$/.test(path)) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}

/** Expands a fixture; throws when a shard index names a file that is not a safetensors fixture. */
export function buildVirtualRepo(fixture: RepoFixture): VirtualRepo {
  const files = new Map<string, VirtualFile>();
  const built = new Map<string, VirtualSafetensors>();
  const add = (path: string, head: Buffer, size: number, isLfs: boolean): void => {
    const oid = isLfs
      ? createHash('sha256').update(`${fixture.id}\0${fixture.sha}\0${path}\0${size}`).digest('hex')
      : gitBlobSha1(head);
    files.set(path, { path, size, isLfs, oid, contentType: contentTypeOf(path), head });
  };
  for (const file of fixture.files) {
    if ('safetensors' in file) {
      const st = buildSafetensors(file.safetensors);
      built.set(file.path, st);
      add(file.path, st.head, st.head.length + st.dataBytes, true);
    } else if ('json' in file) {
      add(file.path, Buffer.from(JSON.stringify(file.json, null, 2) + '\n'), -1, false);
    } else if ('text' in file) {
      add(file.path, Buffer.from(file.text), -1, false);
    } else if ('blobBytes' in file) {
      add(file.path, Buffer.alloc(0), file.blobBytes, true);
    } else if ('rawBase64' in file) {
      const bytes = Buffer.from(file.rawBase64, 'base64');
      add(file.path, bytes, bytes.length, true);
    }
  }
  for (const file of fixture.files) {
    if (!('shardIndexOf' in file)) continue;
    const weightMap: Record<string, string> = {};
    let totalSize = 0;
    for (const shardPath of file.shardIndexOf) {
      const st = built.get(shardPath);
      if (!st) throw new Error(`${fixture.id}: shard ${shardPath} is not a safetensors fixture`);
      totalSize += st.dataBytes;
      const base = shardPath.slice(shardPath.lastIndexOf('/') + 1);
      for (const name of st.tensorNames) {
        if (name in weightMap) throw new Error(`${fixture.id}: tensor ${name} is in two shards`);
        weightMap[name] = base;
      }
    }
    const index = { metadata: { total_size: totalSize }, weight_map: weightMap };
    add(file.path, Buffer.from(JSON.stringify(index, null, 2) + '\n'), -1, false);
  }
  for (const f of files.values()) if (f.size < 0) f.size = f.head.length;
  return { fixture, files };
}

/** The Git LFS pointer text the `raw` endpoint serves for an LFS file. */
export function lfsPointer(file: VirtualFile): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${file.oid}\nsize ${file.size}\n`;
}

/** Yields bytes `start..end` (inclusive) of a file in chunks, never allocating the zero tail. */
export function* readRange(file: VirtualFile, start: number, end: number): Generator<Buffer> {
  let pos = start;
  if (pos < file.head.length) {
    const stop = Math.min(end + 1, file.head.length);
    yield file.head.subarray(pos, stop);
    pos = stop;
  }
  while (pos <= end) {
    const n = Math.min(ZEROS.length, end + 1 - pos);
    yield n === ZEROS.length ? ZEROS : ZEROS.subarray(0, n);
    pos += n;
  }
}
