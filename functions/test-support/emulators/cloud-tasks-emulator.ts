import { randomBytes } from 'node:crypto';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** The subset of google.cloud.tasks.v2 messages we read, as proto-loader decodes them. */
interface Duration {
  seconds?: string;
  nanos?: number;
}
interface WireQueue {
  name: string;
  retryConfig?: { maxAttempts?: number; minBackoff?: Duration; maxBackoff?: Duration };
  state?: string;
}
interface WireTask {
  name?: string;
  scheduleTime?: Duration;
  httpRequest?: {
    url: string;
    httpMethod?: string;
    headers?: Record<string, string>;
    body?: Buffer;
    oidcToken?: { serviceAccountEmail?: string; audience?: string };
  };
  createTime?: Duration;
  dispatchCount?: number;
  dispatchDeadline?: Duration;
}

export interface DispatchRecord {
  queue: string;
  task: string;
  url: string;
  retryCount: number;
  status: number | null;
  /** The task's dispatch deadline in seconds (Cloud Tasks' default for HTTP targets: 600). */
  dispatchDeadlineS: number;
}

export interface CloudTasksEmulator {
  /** host:port for CloudTasksClient({ servicePath, port, sslCreds: insecure }). */
  host: string;
  dispatches: DispatchRecord[];
  close(): Promise<void>;
}

const ms = (d: Duration | undefined, dflt: number): number =>
  d ? Number(d.seconds ?? 0) * 1000 + Math.round((d.nanos ?? 0) / 1e6) : dflt;
const toDuration = (t: number): Duration => ({
  seconds: String(Math.floor(t / 1000)),
  nanos: (t % 1000) * 1e6,
});
const b64url = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');

/**
 * The ID token a private Cloud Run target receives for a Cloud Tasks OIDC token: Google mints it
 * (RS256, issuer accounts.google.com, `aud`, `email` of the service account), Cloud Run verifies it
 * and replaces the signature with SIGNATURE_REMOVED_BY_GOOGLE before the request reaches the
 * container (cloud.google.com/run/docs/troubleshooting, "signature removed"). Never `alg: none`.
 */
export function cloudRunShapedIdToken(c: {
  audience: string;
  serviceAccountEmail: string;
  nowS?: number;
  lifetimeS?: number;
}): string {
  const iat = c.nowS ?? Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', kid: randomBytes(20).toString('hex'), typ: 'JWT' };
  const claims = {
    aud: c.audience,
    azp: '1' + String(BigInt(`0x${randomBytes(8).toString('hex')}`)).padStart(20, '0'),
    email: c.serviceAccountEmail,
    email_verified: true,
    exp: iat + (c.lifetimeS ?? 3600),
    iat,
    iss: 'https://accounts.google.com',
    sub: '1' + String(BigInt(`0x${randomBytes(8).toString('hex')}`)).padStart(20, '0'),
  };
  return `${b64url(header)}.${b64url(claims)}.SIGNATURE_REMOVED_BY_GOOGLE`;
}

function fail(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}

function loadService(): grpc.ServiceDefinition {
  // The protos are not in the packages' exports: find the package folders from their main files.
  const root = (file: string, name: string): string =>
    file.slice(0, file.lastIndexOf(`node_modules/${name}/`) + `node_modules/${name}`.length);
  const tasksPkg = root(require.resolve('@google-cloud/tasks'), '@google-cloud/tasks');
  const gaxPkg = root(require.resolve('google-gax', { paths: [tasksPkg] }), 'google-gax');
  const def = protoLoader.loadSync('google/cloud/tasks/v2/cloudtasks.proto', {
    includeDirs: [path.join(tasksPkg, 'build/protos'), path.join(gaxPkg, 'build/protos')],
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    google: { cloud: { tasks: { v2: { CloudTasks: { service: grpc.ServiceDefinition } } } } };
  };
  return pkg.google.cloud.tasks.v2.CloudTasks.service;
}

/**
 * A Cloud Tasks v2 gRPC facade of ours for tests, built from the protos inside @google-cloud/tasks:
 * CreateQueue/GetQueue/DeleteQueue, CreateTask/GetTask/DeleteTask. HTTP tasks are POSTed at their
 * scheduleTime with the X-CloudTasks-* headers and, when the task asks for one, the OIDC token as
 * Cloud Run hands it to a private target (cloudRunShapedIdToken). Non-2xx responses are retried with
 * the queue's backoff (doubling) up to maxAttempts. A task name is refused with ALREADY_EXISTS for
 * the emulator's lifetime (Cloud Tasks: up to an hour after the task ended).
 */
export async function startCloudTasksEmulator(): Promise<CloudTasksEmulator> {
  const queues = new Map<string, WireQueue>();
  const names = new Set<string>();
  const live = new Map<string, WireTask>();
  const timers = new Set<NodeJS.Timeout>();
  const dispatches: DispatchRecord[] = [];
  let closed = false;

  const later = (fn: () => void, delayMs: number): void => {
    const t = setTimeout(
      () => {
        timers.delete(t);
        if (!closed) fn();
      },
      Math.max(0, delayMs),
    );
    timers.add(t);
  };

  async function dispatch(queue: WireQueue, task: WireTask, retryCount: number): Promise<void> {
    if (!live.has(task.name!)) return; // deleted meanwhile (DeleteTask, DeleteQueue)
    const req = task.httpRequest!;
    const short = (n: string) => n.split('/').at(-1) ?? n;
    const headers: Record<string, string> = {
      ...req.headers,
      'X-CloudTasks-QueueName': short(queue.name),
      'X-CloudTasks-TaskName': short(task.name!),
      'X-CloudTasks-TaskRetryCount': String(retryCount),
      'X-CloudTasks-TaskExecutionCount': String(retryCount),
      'X-CloudTasks-TaskETA': String(ms(task.scheduleTime, Date.now()) / 1000),
    };
    if (req.oidcToken) {
      headers.Authorization = `Bearer ${cloudRunShapedIdToken({
        audience: req.oidcToken.audience ?? req.url,
        serviceAccountEmail: req.oidcToken.serviceAccountEmail ?? '',
      })}`;
    }
    let status: number | null = null;
    // Past the deadline the attempt counts as failed (and is retried), as in Cloud Tasks.
    const deadlineMs = ms(task.dispatchDeadline, 600_000);
    try {
      const res = await fetch(req.url, {
        method: req.httpMethod ?? 'POST',
        headers,
        body: req.body && req.body.length > 0 ? new Uint8Array(req.body) : undefined,
        signal: AbortSignal.timeout(deadlineMs),
      });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = null;
    }
    dispatches.push({
      queue: short(queue.name),
      task: short(task.name!),
      url: req.url,
      retryCount,
      status,
      dispatchDeadlineS: deadlineMs / 1000,
    });
    if (closed || !live.has(task.name!)) return;
    if (status !== null && status >= 200 && status < 300) {
      live.delete(task.name!);
      return;
    }
    const max = queue.retryConfig?.maxAttempts ?? 100;
    if (max > 0 && retryCount + 1 >= max) {
      live.delete(task.name!);
      return;
    }
    const min = ms(queue.retryConfig?.minBackoff, 100);
    const cap = ms(queue.retryConfig?.maxBackoff, 3_600_000);
    later(() => void dispatch(queue, task, retryCount + 1), Math.min(cap, min * 2 ** retryCount));
  }

  type Call<T> = grpc.ServerUnaryCall<T, unknown>;
  type Done = grpc.sendUnaryData<unknown>;
  const handlers: grpc.UntypedServiceImplementation = {
    CreateQueue(call: Call<{ parent: string; queue: WireQueue }>, done: Done) {
      const q = { ...call.request.queue, state: 'RUNNING' };
      if (queues.has(q.name)) {
        done(fail(grpc.status.ALREADY_EXISTS, q.name));
        return;
      }
      queues.set(q.name, q);
      done(null, q);
    },
    GetQueue(call: Call<{ name: string }>, done: Done) {
      const q = queues.get(call.request.name);
      if (q) done(null, q);
      else done(fail(grpc.status.NOT_FOUND, `queue ${call.request.name} not found`));
    },
    DeleteQueue(call: Call<{ name: string }>, done: Done) {
      queues.delete(call.request.name);
      for (const name of [...live.keys()])
        if (name.startsWith(`${call.request.name}/tasks/`)) live.delete(name);
      done(null, {});
    },
    CreateTask(call: Call<{ parent: string; task: WireTask }>, done: Done) {
      const queue = queues.get(call.request.parent);
      if (!queue) {
        done(fail(grpc.status.NOT_FOUND, `queue ${call.request.parent} not found`));
        return;
      }
      const task: WireTask = { ...call.request.task };
      if (!task.httpRequest?.url) {
        done(fail(grpc.status.INVALID_ARGUMENT, 'only HTTP tasks are emulated'));
        return;
      }
      task.name ??= `${queue.name}/tasks/${BigInt(`0x${randomBytes(8).toString('hex')}`)}`;
      if (!task.name.startsWith(`${queue.name}/tasks/`)) {
        done(fail(grpc.status.INVALID_ARGUMENT, `task name ${task.name} not in queue`));
        return;
      }
      if (names.has(task.name)) {
        done(fail(grpc.status.ALREADY_EXISTS, task.name));
        return;
      }
      names.add(task.name);
      task.createTime = toDuration(Date.now());
      task.scheduleTime ??= task.createTime;
      live.set(task.name, task);
      later(() => void dispatch(queue, task, 0), ms(task.scheduleTime, 0) - Date.now());
      done(null, task);
    },
    GetTask(call: Call<{ name: string }>, done: Done) {
      const t = live.get(call.request.name);
      if (t) done(null, t);
      else done(fail(grpc.status.NOT_FOUND, `task ${call.request.name} not found`));
    },
    DeleteTask(call: Call<{ name: string }>, done: Done) {
      if (!live.delete(call.request.name)) {
        done(fail(grpc.status.NOT_FOUND, `task ${call.request.name} not found`));
        return;
      }
      done(null, {});
    },
  };

  const server = new grpc.Server();
  server.addService(loadService(), handlers);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => {
      if (e) reject(e);
      else resolve(p);
    });
  });
  return {
    host: `127.0.0.1:${port}`,
    dispatches,
    close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      return new Promise((resolve) => {
        server.tryShutdown(() => {
          resolve();
        });
      });
    },
  };
}
