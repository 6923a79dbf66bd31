import type { CommandShape } from './args';
import { login, logout, whoami } from './commands/account';
import { completionScript } from './completion';
import { cleanup } from './commands/cleanup';
import { estimate, gpus, models } from './commands/catalog';
import { deploy } from './commands/deploy';
import { cancelJob, jobs } from './commands/jobs';
import { list, pause, remove, resume, status, wait } from './commands/manage';
import { run } from './commands/run';
import { webhookListen } from './commands/webhook-listen';
import type { Ctx } from './context';
import { EXIT, usageError } from './errors';
import { VERSION } from './version';
import { API_FLAGS, DEPLOYMENT_FLAGS } from './flags';

/** One command: its command line (for the parser, help and completion) and what it runs. */
export interface CommandSpec extends CommandShape {
  /** The arguments part of the usage line, e.g. `<model> [flags]`. */
  usage: string;
  summary: string;
  /** More about it, for `visgate <command> --help`. */
  details?: string;
  /** Section of `visgate --help`. */
  group: 'Deployments' | 'Jobs' | 'Catalog' | 'Account' | 'Other';
  /** Sends the API key (a missing key is reported before anything runs). */
  run(ctx: Ctx): Promise<number>;
}

const WAIT_NOTE =
  'With --wait, Ctrl-C stops following (exit 130) but not the deployment: it keeps running, and billing, until you delete it.';

/** Every command, in the order `visgate --help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'deploy',
    group: 'Deployments',
    usage: '<model> [flags]',
    summary: 'deploy a Hugging Face model to a RunPod serverless endpoint',
    details: `Prints the deployment id on stdout. Every deploy sends an Idempotency-Key (a fresh one, or --idempotency-key), and a request that got no answer is retried once with it, so a retry never makes a second endpoint. HF_TOKEN is used when --hf-token is not given. ${WAIT_NOTE}`,
    flags: [...API_FLAGS, 'wait', 'idempotency-key', ...DEPLOYMENT_FLAGS],
    maxArgs: 1,
    run: deploy,
  },
  {
    name: 'wait',
    aliases: ['watch'],
    group: 'Deployments',
    usage: '<id>',
    summary: "re-attach to a deployment's live progress until it settles",
    details:
      'Exit 0 when it is ready, paused or deleted as intended; 3 when it failed (or was deleted while it was being created). Ctrl-C only stops watching.',
    flags: [...API_FLAGS],
    maxArgs: 1,
    run: wait,
  },
  {
    name: 'ls',
    aliases: ['list'],
    group: 'Deployments',
    usage: '[--all] [--status S]',
    summary: 'list your deployments (deleted ones only with --all)',
    flags: [...API_FLAGS, 'all', 'status'],
    maxArgs: 0,
    run: list,
  },
  {
    name: 'status',
    aliases: ['show'],
    group: 'Deployments',
    usage: '<id>',
    summary: 'show where a deployment stands, its endpoint and spend',
    flags: [...API_FLAGS],
    maxArgs: 1,
    run: status,
  },
  {
    name: 'pause',
    group: 'Deployments',
    usage: '<id> [--wait]',
    summary: 'scale to zero workers (endpoint kept, billing stopped)',
    flags: [...API_FLAGS, 'wait'],
    maxArgs: 1,
    run: pause,
  },
  {
    name: 'resume',
    group: 'Deployments',
    usage: '<id> [--wait]',
    summary: 'bring the workers back (loading → ready)',
    details: `Times are measured from the resume. ${WAIT_NOTE}`,
    flags: [...API_FLAGS, 'wait'],
    maxArgs: 1,
    run: resume,
  },
  {
    name: 'delete',
    aliases: ['rm'],
    group: 'Deployments',
    usage: '<id> [--wait]',
    summary: 'delete the endpoint and template on RunPod (billing stops)',
    flags: [...API_FLAGS, 'wait'],
    maxArgs: 1,
    run: remove,
  },
  {
    name: 'run',
    group: 'Jobs',
    usage: '<id> "<prompt>" [-o out.png|out.mp4] [--image FILE|URL [--mask FILE|URL]] [flags]',
    summary:
      'run one job (text-to-image, image-to-image, inpainting or video) and write the result',
    details:
      'The line it prints describes each file from its own header (PNG or JPEG size; an MP4 by its frames and fps), and the seed the worker used.',
    flags: [
      ...API_FLAGS,
      'output',
      'steps',
      'seed',
      'width',
      'height',
      'negative',
      'timeout',
      'image',
      'mask',
      'strength',
      'frames',
      'fps',
      'lora',
    ],
    maxArgs: 2,
    run,
  },
  {
    name: 'jobs',
    group: 'Jobs',
    usage: '<id> [--status S]',
    summary: "list a deployment's jobs (status, execution time, cost)",
    flags: [...API_FLAGS, 'status'],
    maxArgs: 1,
    run: jobs,
  },
  {
    name: 'jobs cancel',
    group: 'Jobs',
    usage: '<job>',
    summary: 'cancel a queued or running job',
    flags: [...API_FLAGS],
    maxArgs: 1,
    run: cancelJob,
  },
  {
    name: 'estimate',
    group: 'Catalog',
    usage: '<model> [deploy flags]',
    summary: 'dry run of deploy: weights, VRAM, GPU pool and fallbacks, $/h',
    details: 'Takes the same flags as deploy and creates nothing.',
    flags: [...API_FLAGS, ...DEPLOYMENT_FLAGS],
    maxArgs: 1,
    run: estimate,
  },
  {
    name: 'gpus',
    group: 'Catalog',
    usage: '',
    summary: 'RunPod serverless GPU pools: VRAM, price, stock',
    flags: [...API_FLAGS],
    maxArgs: 0,
    run: gpus,
  },
  {
    name: 'models',
    group: 'Catalog',
    usage: '',
    summary: 'models with known sizes (any diffusers repo on the Hub deploys)',
    flags: [...API_FLAGS],
    maxArgs: 0,
    run: models,
  },
  {
    name: 'login',
    group: 'Account',
    usage: '[--key KEY] [--api URL]',
    summary: 'save your RunPod API key (prompted, --key, or piped on stdin)',
    details:
      'Checks the key against the API, then saves it (and --api when given) to $XDG_CONFIG_HOME/visgate/config.json (else ~/.config/visgate/config.json), mode 0600. RUNPOD_API_KEY and --key still win over the saved key.',
    flags: ['api', 'key', 'json'],
    maxArgs: 0,
    run: login,
  },
  {
    name: 'logout',
    group: 'Account',
    usage: '',
    summary: 'remove the saved key',
    flags: ['json'],
    maxArgs: 0,
    run: logout,
  },
  {
    name: 'whoami',
    group: 'Account',
    usage: '',
    summary: 'the API in use, your key (masked), where it came from, and whether it is accepted',
    flags: [...API_FLAGS],
    maxArgs: 0,
    run: whoami,
  },
  {
    name: 'cleanup',
    group: 'Account',
    usage: '[--yes]',
    summary: 'delete visgate-* RunPod endpoints/templates whose deployment is gone or failed',
    flags: [...API_FLAGS, 'yes', 'runpod-api'],
    maxArgs: 0,
    run: cleanup,
  },
  {
    name: 'webhook listen',
    group: 'Other',
    usage: '--secret whsec_… [--port N]',
    summary: 'a local receiver that verifies webhook signatures',
    flags: ['json', 'secret', 'port', 'host'],
    maxArgs: 0,
    run: webhookListen,
  },
  {
    name: 'completion',
    group: 'Other',
    usage: 'bash|zsh|fish',
    summary: 'print a shell completion script',
    details:
      'bash: visgate completion bash > ~/.local/share/bash-completion/completions/visgate\nzsh:  visgate completion zsh > "${fpath[1]}/_visgate"\nfish: visgate completion fish > ~/.config/fish/completions/visgate.fish',
    flags: [],
    maxArgs: 1,
    run: (ctx) => printCompletion(ctx, COMMANDS),
  },
  {
    name: 'version',
    group: 'Other',
    usage: '',
    summary: 'print the version',
    flags: ['json'],
    maxArgs: 0,
    run: (ctx) => {
      ctx.stdout.write(
        ctx.flags.json ? `${JSON.stringify({ version: VERSION })}\n` : `visgate ${VERSION}\n`,
      );
      return Promise.resolve(EXIT.ok);
    },
  },
];

const SHELLS = ['bash', 'zsh', 'fish'] as const;

async function printCompletion(ctx: Ctx, table: readonly CommandSpec[]): Promise<number> {
  const shell = ctx.positionals[0];
  if (!SHELLS.includes(shell as (typeof SHELLS)[number])) {
    throw usageError(`give a shell: ${SHELLS.join(', ')}`, 'completion');
  }
  ctx.stdout.write(completionScript(shell as (typeof SHELLS)[number], table));
  return Promise.resolve(EXIT.ok);
}
