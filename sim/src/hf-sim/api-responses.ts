import { createHash } from 'node:crypto';
import type { VirtualFile, VirtualRepo } from './virtual-repo';

const DEFAULT_LAST_MODIFIED = '2024-06-01T12:00:00.000Z';

/** A `tree` / `paths-info` entry, in the Hub's wire shape. */
export interface TreeEntry {
  type: 'file' | 'directory';
  oid: string;
  size: number;
  path: string;
  lfs?: { oid: string; size: number; pointerSize: number };
}

function fileEntry(f: VirtualFile): TreeEntry {
  if (!f.isLfs) return { type: 'file', oid: f.oid, size: f.size, path: f.path };
  const pointerSize =
    `version https://git-lfs.github.com/spec/v1\noid sha256:${f.oid}\nsize ${f.size}\n`.length;
  const gitOid = createHash('sha1').update(`lfs\0${f.oid}`).digest('hex');
  return {
    type: 'file',
    oid: gitOid,
    size: f.size,
    path: f.path,
    lfs: { oid: f.oid, size: f.size, pointerSize },
  };
}

function dirEntry(path: string): TreeEntry {
  return {
    type: 'directory',
    oid: createHash('sha1').update(`tree\0${path}`).digest('hex'),
    size: 0,
    path,
  };
}

/** Every entry (files and the directories implied by their paths), sorted by path. */
export function allEntries(repo: VirtualRepo): TreeEntry[] {
  const dirs = new Set<string>();
  for (const path of repo.files.keys()) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const entries = [...[...dirs].map(dirEntry), ...[...repo.files.values()].map(fileEntry)];
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** `GET /api/models/{id}/tree/{rev}[/{path}]`: direct children of `path`, or all below it. */
export function treeListing(
  repo: VirtualRepo,
  path: string,
  recursive: boolean,
): TreeEntry[] | null {
  const prefix = path === '' ? '' : `${path}/`;
  if (path !== '' && !allEntries(repo).some((e) => e.path === path && e.type === 'directory')) {
    return null;
  }
  return allEntries(repo).filter((e) => {
    if (!e.path.startsWith(prefix)) return false;
    return recursive || !e.path.slice(prefix.length).includes('/');
  });
}

/** `POST /api/models/{id}/paths-info/{rev}`: the entries for the paths that exist. */
export function pathsInfo(repo: VirtualRepo, paths: readonly string[]): TreeEntry[] {
  const entries = allEntries(repo);
  return paths.flatMap((p) => entries.filter((e) => e.path === p));
}

/**
 * `GET /api/models/{id}[/revision/{rev}]`. With `expand` params only `_id`, `id` and the expanded
 * fields are returned, as on the Hub; without them the default field set.
 */
export function modelInfo(repo: VirtualRepo, expand: readonly string[]): Record<string, unknown> {
  const f = repo.fixture;
  const totalBytes = [...repo.files.values()].reduce((n, file) => n + file.size, 0);
  const full: Record<string, unknown> = {
    _id: createHash('sha1').update(f.id).digest('hex').slice(0, 24),
    id: f.id,
    modelId: f.id,
    author: f.id.split('/')[0],
    sha: f.sha,
    lastModified: f.lastModified ?? DEFAULT_LAST_MODIFIED,
    createdAt: f.lastModified ?? DEFAULT_LAST_MODIFIED,
    private: f.private ?? false,
    disabled: false,
    gated: f.gated ?? false,
    downloads: 0,
    likes: 0,
    library_name: f.libraryName,
    pipeline_tag: f.pipelineTag,
    tags: f.tags ?? [],
    siblings: [...repo.files.keys()].sort().map((rfilename) => ({ rfilename })),
    usedStorage: totalBytes,
    // The Hub parses README.md's YAML front matter into `cardData` (huggingface_hub
    // `ModelInfo.card_data`; `expand[]=cardData` in @huggingface/hub MODEL_EXPANDABLE_KEYS) and
    // leaves the key out when the card has no metadata.
    cardData: f.cardData,
  };
  if (f.cardData === undefined) delete full.cardData;
  if (f.libraryName === null) delete full.library_name;
  if (f.pipelineTag === null) delete full.pipeline_tag;
  if (expand.length === 0) return full;
  const out: Record<string, unknown> = { _id: full._id, id: full.id };
  for (const key of expand) if (key in full) out[key] = full[key];
  return out;
}
