import { createInterface } from 'node:readline/promises';
import { createApiClient } from './api-client';
import { parseCommandLine } from './args';
import { cleanup } from './commands/cleanup';
import { deploy } from './commands/deploy';
import { jobs } from './commands/jobs';
import { list, pause, remove, resume, status } from './commands/manage';
import { run } from './commands/run';
import { webhookListen } from './commands/webhook-listen';
import { resolveConfig } from './config';
import type { Ctx } from './context';
import { CliError, usageError } from './errors';

const HELP = `visgate — deploy Hugging Face diffusion models to RunPod serverless, and use them

usage: visgate <command> [options]

  deploy <model> [--wait] [--gpu-tier T] [--webhook URL] [--workers-max N]
                              create a deployment; --wait shows live progress until ready
  run <deployment> "<prompt>" [-o out.png] [--steps N] [--seed N] [--width N] [--height N]
                              [--negative TEXT] [--timeout S]
                              run one text-to-image job and write the image(s)
  jobs <deployment> [--status S]
                              list a deployment's jobs (status, execution time, cost)
  ls [--status S]             list your deployments
  status <id>                 show where a deployment stands
  pause <id>                  scale to zero workers (endpoint kept, billing stopped)
  resume <id> [--wait]        bring the workers back (loading → ready)
  delete <id> [--wait]        delete the endpoint and template on RunPod
  cleanup [--yes]             delete visgate-* endpoints/templates on your RunPod account
                              whose deployment is missing, failed or deleted
  webhook listen --secret whsec_… [--port 9000]
                              a local receiver that verifies webhook signatures

options:
  --api URL        visgate API (env VISGATE_API_URL, default http://127.0.0.1:8080)
  --key KEY        your RunPod API key (env RUNPOD_API_KEY)
  --runpod-api URL RunPod REST base for cleanup (env VISGATE_RUNPOD_API_URL)
  --json           machine-readable output on stdout
`;

type Command = (ctx: Ctx) => Promise<void>;

const COMMANDS: Record<string, Command> = {
  deploy,
  run,
  jobs,
  ls: list,
  list,
  status,
  pause,
  resume,
  delete: remove,
  rm: remove,
  cleanup,
  webhook: webhookListen,
};

const out = (stream: NodeJS.WriteStream) => ({
  write: (text: string) => {
    stream.write(text);
  },
  isTTY: stream.isTTY,
});

async function main(argv: string[]): Promise<number> {
  const { command, positionals, flags } = parseCommandLine(argv);
  if (flags.help || command === null || command === 'help') {
    process.stdout.write(HELP);
    return command === null && !flags.help ? 2 : 0;
  }
  const fn = COMMANDS[command];
  if (!fn) throw usageError(`unknown command "${command}"`);
  const config = resolveConfig(flags);
  const ask = process.stdin.isTTY
    ? async (question: string): Promise<string> => {
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        try {
          return await rl.question(question);
        } finally {
          rl.close();
        }
      }
    : null;
  await fn({
    config,
    client: createApiClient(config),
    positionals,
    flags,
    stdout: out(process.stdout),
    stderr: out(process.stderr),
    ask,
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof CliError) {
      process.stderr.write(`visgate: ${e.message}\n`);
      process.exitCode = e.exitCode;
      return;
    }
    process.stderr.write(
      `visgate: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exitCode = 1;
  },
);
