import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AppError } from '@visgate/shared';
import { NON_PUBLIC_REFUSAL, publicOnlyLookup } from '../webhook/http-webhook-sender';
import { rejectWebhookUrl } from '../../policy/url-guard';
import type { ObjectInfo, ObjectStore, OpenObjectStore } from '../../ports';

export interface S3Credentials {
  /** Custom endpoint for R2 / MinIO / a local server; null for AWS. */
  endpointUrl: string | null;
  accessKeyId: string;
  secretAccessKey: string;
  region?: string;
}

/** Multipart part size and parallelism: memory held per upload is about partSize × queueSize. */
export const UPLOAD_PART_BYTES = 16 * 1024 * 1024;
export const UPLOAD_QUEUE_SIZE = 4;

/**
 * One bucket through the S3 API (AWS S3, R2, MinIO). Every failure is an AppError: bad credentials
 * or a refused bucket are CACHE_ACCESS_DENIED with a message that names the bucket, never a secret;
 * anything else is UPSTREAM_UNAVAILABLE (retryable).
 */
export class S3Store implements ObjectStore {
  private readonly client: S3Client;

  /**
   * `network.allowPrivateHosts: false` is for an endpoint a user gave: it must pass the webhook URL
   * rules (CACHE_ENDPOINT_REJECTED otherwise), and every connection resolves the host through
   * publicOnlyLookup, so a DNS change after creation cannot reach an internal address either. The
   * default trusts the endpoint (the operator's shared cache, tests on loopback).
   */
  constructor(
    readonly bucket: string,
    creds: S3Credentials,
    network: { allowPrivateHosts: boolean } = { allowPrivateHosts: true },
  ) {
    const guarded = !network.allowPrivateHosts && creds.endpointUrl !== null;
    if (!network.allowPrivateHosts && creds.endpointUrl !== null) {
      const why = rejectWebhookUrl(creds.endpointUrl, false);
      if (why !== null)
        throw new AppError('CACHE_ENDPOINT_REJECTED', `the cache endpoint is not allowed: ${why}`);
    }
    this.client = new S3Client({
      region: creds.region ?? 'us-east-1',
      endpoint: creds.endpointUrl ?? undefined,
      forcePathStyle: creds.endpointUrl !== null,
      credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
      maxAttempts: 2,
      ...(guarded && {
        requestHandler: {
          httpAgent: new HttpAgent({ keepAlive: true, lookup: publicOnlyLookup }),
          httpsAgent: new HttpsAgent({ keepAlive: true, lookup: publicOnlyLookup }),
        },
      }),
    });
  }

  private fail(e: unknown, what: string): never {
    if (e instanceof AppError) throw e;
    const status = e instanceof S3ServiceException ? e.$metadata.httpStatusCode : undefined;
    const name = e instanceof Error ? e.name : 'Error';
    if (
      status === 401 ||
      status === 403 ||
      ['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden'].includes(name)
    ) {
      throw new AppError(
        'CACHE_ACCESS_DENIED',
        `the cache bucket "${this.bucket}" refused ${what}: check the access key, its secret and its permissions`,
      );
    }
    if (e instanceof Error && e.message.startsWith(NON_PUBLIC_REFUSAL)) {
      throw new AppError(
        'CACHE_ENDPOINT_REJECTED',
        `the cache endpoint of bucket "${this.bucket}" resolves to an address that is not public`,
      );
    }
    if (name === 'NoSuchBucket') {
      throw new AppError('CACHE_ACCESS_DENIED', `the cache bucket "${this.bucket}" does not exist`);
    }
    throw new AppError(
      'UPSTREAM_UNAVAILABLE',
      `the cache bucket "${this.bucket}" failed ${what} (${name})`,
    );
  }

  /** Size and checksum metadata, or null when the object is absent. */
  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: r.ContentLength ?? 0, sha256: r.Metadata?.sha256 ?? null };
    } catch (e) {
      if (e instanceof S3ServiceException && e.$metadata.httpStatusCode === 404) return null;
      this.fail(e, 'a HEAD');
    }
  }

  /** Every object under `prefix/` as relative path → size (paginated). */
  async list(prefix: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    let token: string | undefined;
    try {
      do {
        const r = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: `${prefix}/`,
            ContinuationToken: token,
          }),
        );
        for (const o of r.Contents ?? []) {
          if (o.Key) out.set(o.Key.slice(prefix.length + 1), o.Size ?? 0);
        }
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
    } catch (e) {
      this.fail(e, 'a LIST');
    }
    return out;
  }

  /** Text of an object, or null when absent. */
  async getText(key: string): Promise<string | null> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await r.Body?.transformToString('utf8')) ?? '';
    } catch (e) {
      if (e instanceof S3ServiceException && e.$metadata.httpStatusCode === 404) return null;
      this.fail(e, 'a GET');
    }
  }

  /** Streams a body of known size (multipart above one part, bounded memory). */
  async putStream(
    key: string,
    body: Readable,
    meta: { sha256: string; contentType?: string },
  ): Promise<void> {
    try {
      const up = new Upload({
        client: this.client,
        params: {
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: meta.contentType ?? 'application/octet-stream',
          Metadata: meta.sha256 ? { sha256: meta.sha256 } : undefined,
        },
        partSize: UPLOAD_PART_BYTES,
        queueSize: UPLOAD_QUEUE_SIZE,
        leavePartsOnError: false,
      });
      await up.done();
    } catch (e) {
      this.fail(e, 'an upload');
    }
  }

  /** Text and ETag of an object, or null when absent (the ETag feeds `putConditional`). */
  async getWithEtag(key: string): Promise<{ text: string; etag: string } | null> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return { text: (await r.Body?.transformToString('utf8')) ?? '', etag: r.ETag ?? '' };
    } catch (e) {
      if (e instanceof S3ServiceException && e.$metadata.httpStatusCode === 404) return null;
      this.fail(e, 'a GET');
    }
  }

  /**
   * Writes `body` only if no object exists at `key` (`If-None-Match: *`). Returns false when one
   * already did: a concurrent writer got there first.
   */
  async putIfAbsent(key: string, body: string, contentType = 'application/json'): Promise<boolean> {
    return (await this.putConditional(key, body, { ifNoneMatch: '*' }, contentType)) !== null;
  }

  /**
   * A conditional PUT: `If-None-Match: *` (create only) or `If-Match: <etag>` (replace exactly the
   * version read). Returns the new ETag, or null when the condition failed (412, a 409 race, or a
   * 404 for If-Match on an object that is gone).
   */
  async putConditional(
    key: string,
    body: string,
    cond: { ifNoneMatch: '*' } | { ifMatch: string },
    contentType = 'application/json',
  ): Promise<string | null> {
    try {
      const r = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ...('ifMatch' in cond ? { IfMatch: cond.ifMatch } : { IfNoneMatch: cond.ifNoneMatch }),
        }),
      );
      return r.ETag ?? '';
    } catch (e) {
      const status = e instanceof S3ServiceException ? e.$metadata.httpStatusCode : undefined;
      if (status === 412 || status === 409 || ('ifMatch' in cond && status === 404)) return null;
      this.fail(e, 'a conditional PUT');
    }
  }

  async put(key: string, body: string, contentType = 'application/json'): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
        }),
      );
    } catch (e) {
      this.fail(e, 'a PUT');
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (e) {
      this.fail(e, 'a DELETE');
    }
  }

  /**
   * Deletes the object only while it is still the version `etag` names (`If-Match`). Returns false
   * when it changed or is gone. A store without conditional deletes ignores the header and deletes.
   */
  async deleteIfMatch(key: string, etag: string): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteObjectCommand({ Bucket: this.bucket, Key: key, IfMatch: etag }),
      );
      return true;
    } catch (e) {
      const status = e instanceof S3ServiceException ? e.$metadata.httpStatusCode : undefined;
      if (status === 412 || status === 409 || status === 404) return false;
      this.fail(e, 'a conditional DELETE');
    }
  }

  /** A GET URL signed locally (no request) that expires after `ttlS` seconds. */
  async presignGet(key: string, ttlS: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: ttlS,
    });
  }

  destroy(): void {
    this.client.destroy();
  }
}

/** The OpenObjectStore port over S3Store: a user's endpoint is guarded unless the operator allows private hosts. */
export function s3ObjectStores(opts: { allowPrivateHosts: boolean }): OpenObjectStore {
  return (bucket, access, open) =>
    new S3Store(bucket, access, {
      allowPrivateHosts: open?.userEndpoint === true ? opts.allowPrivateHosts : true,
    });
}
