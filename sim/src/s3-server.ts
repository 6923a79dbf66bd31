import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * moto's S3 server on loopback, as a child process (a real S3 wire protocol, SigV4, multipart,
 * conditional writes). `auth: true` turns on moto's IAM checks and returns a real key pair, so a
 * wrong key is refused with 403; moto then cannot serve presigned URLs, so tests that fetch
 * presigned URLs use the default (no-auth) server.
 */
export interface S3Server {
  url: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

const BOOT = `
import json, os, sys
auth = sys.argv[1] == "auth"
if auth:
    os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
from moto.server import ThreadedMotoServer
s = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
s.start()
host, port = s.get_host_and_port()
url = f"http://{host}:{port}"
key, secret = "visgate-test", "visgate-test-secret"
if auth:
    import boto3
    iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    iam.create_user(UserName="visgate")
    iam.put_user_policy(UserName="visgate", PolicyName="all", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    k = iam.create_access_key(UserName="visgate")["AccessKey"]
    key, secret = k["AccessKeyId"], k["SecretAccessKey"]
print(json.dumps({"url": url, "accessKeyId": key, "secretAccessKey": secret}), flush=True)
sys.stdin.read()
s.stop()
`;

export async function startS3Server(opts: { auth?: boolean } = {}): Promise<S3Server> {
  const child: ChildProcess = spawn('python3', ['-c', BOOT, opts.auth ? 'auth' : 'open'], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      reject(new Error('moto did not start within 30 s'));
    }, 30_000);
    rl.once('line', (l) => {
      clearTimeout(timer);
      rl.close();
      resolve(l);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`moto exited early (${code}); is moto[server] installed?`));
    });
  });
  const info = JSON.parse(line) as Omit<S3Server, 'stop'>;
  return {
    ...info,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.stdin!.end();
      }),
  };
}

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverCtor = new (opts: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

/**
 * s3rver (in process, on loopback, files under a temp dir): unlike moto it enforces the expiry of
 * presigned V4 URLs (`X-Amz-Date` + `X-Amz-Expires`, 403 `AccessDenied` "Request has expired").
 * It does not verify V4 signatures nor honour conditional writes, so everything else uses moto.
 * Key pair: s3rver's built-in `S3RVER`/`S3RVER`.
 */
export async function startS3rver(buckets: string[]): Promise<S3Server> {
  const S3rver = createRequire(__filename)('s3rver') as S3rverCtor;
  const directory = mkdtempSync(join(tmpdir(), 'visgate-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  return {
    url: `http://127.0.0.1:${port}`,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    stop: async () => {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
