import { createApiClient } from '../api-client';
import { stringFlag } from '../args';
import { readSavedConfig, removeSavedConfig, writeSavedConfig } from '../config-file';
import { printJson, type Ctx } from '../context';
import { CliError, EXIT, usageError } from '../errors';

/** `rpa_…WXYZ`: enough to recognise a key, never enough to use it. */
export function maskKey(key: string): string {
  return key.length < 12 ? `${key.slice(0, 2)}…` : `${key.slice(0, 4)}…${key.slice(-4)}`;
}

/** Whether the API accepts `key`: true, false (401/403) or null when it cannot be reached. */
async function accepted(ctx: Ctx, key: string): Promise<{ ok: boolean | null; why: string }> {
  const client = createApiClient({ ...ctx.config, apiKey: key });
  try {
    await client.request('GET', '/v1/deployments?limit=1');
    return { ok: true, why: 'the API accepts it' };
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    if (e.network) return { ok: null, why: e.message };
    if (e.httpStatus === 401 || e.httpStatus === 403) return { ok: false, why: e.message };
    throw e;
  }
}

/** The key to save: --key, else stdin when piped, else a prompt that does not echo. */
async function keyToSave(ctx: Ctx): Promise<string> {
  const flag = stringFlag(ctx.flags, 'key');
  if (flag !== undefined) return flag.trim();
  if (ctx.readStdin) return (await ctx.readStdin()).trim();
  if (ctx.ask) return (await ctx.ask('RunPod API key (input hidden): ', { secret: true })).trim();
  throw usageError('no key given: pass --key KEY or pipe it on stdin', 'login');
}

/**
 * `visgate login [--key KEY] [--api URL]`: checks the key against the API and saves it (and the API
 * URL when given) in the config file, readable by its owner only. RUNPOD_API_KEY and --key on a
 * later command still win over it.
 */
export async function login(ctx: Ctx): Promise<number> {
  const key = await keyToSave(ctx);
  if (key === '') throw usageError('the key is empty', 'login');
  const check = await accepted(ctx, key);
  if (check.ok === false) throw new CliError(`not saved: ${check.why}`);
  const previous = readSavedConfig(ctx.config.configPath);
  const api = stringFlag(ctx.flags, 'api');
  writeSavedConfig(ctx.config.configPath, {
    ...previous,
    api_key: key,
    ...(api !== undefined ? { api_url: ctx.config.apiUrl } : {}),
  });
  if (ctx.flags.json) {
    printJson(ctx, {
      config_path: ctx.config.configPath,
      key: maskKey(key),
      api_url: ctx.config.apiUrl,
      accepted: check.ok,
    });
    return EXIT.ok;
  }
  ctx.stdout.write(`saved ${maskKey(key)} to ${ctx.config.configPath} (readable by you only)\n`);
  if (check.ok === null) ctx.stderr.write(`not checked: ${check.why}\n`);
  if (ctx.config.keySource === 'RUNPOD_API_KEY') {
    ctx.stderr.write('note: RUNPOD_API_KEY is set in this shell and wins over the saved key\n');
  }
  return EXIT.ok;
}

/** `visgate logout`: removes the saved key (and API URL). */
export async function logout(ctx: Ctx): Promise<number> {
  const removed = removeSavedConfig(ctx.config.configPath);
  if (ctx.flags.json) printJson(ctx, { config_path: ctx.config.configPath, removed });
  else ctx.stdout.write(removed ? `removed ${ctx.config.configPath}\n` : 'not logged in\n');
  if (!ctx.flags.json && ctx.config.keySource === 'RUNPOD_API_KEY') {
    ctx.stderr.write('note: RUNPOD_API_KEY is still set in this shell\n');
  }
  return Promise.resolve(EXIT.ok);
}

/**
 * `visgate whoami`: the API in use, the key (masked), where it came from, and whether the API
 * accepts it. Exit 1 when there is no key or the API refuses it or cannot be reached.
 */
export async function whoami(ctx: Ctx): Promise<number> {
  const { apiUrl, apiKey, keySource, configPath } = ctx.config;
  const check = apiKey ? await accepted(ctx, apiKey) : null;
  const source = keySource === 'config file' ? `config file ${configPath}` : (keySource ?? 'none');
  if (ctx.flags.json) {
    printJson(ctx, {
      api_url: apiUrl,
      key: apiKey ? maskKey(apiKey) : null,
      key_source: keySource,
      config_path: configPath,
      accepted: check?.ok ?? null,
      detail: check?.why ?? 'not logged in',
    });
  } else {
    const status = !check
      ? 'not logged in: run visgate login'
      : check.ok === true
        ? 'yes'
        : `${check.ok === false ? 'no' : 'unknown'}: ${check.why}`;
    ctx.stdout.write(
      `API       ${apiUrl}\nkey       ${apiKey ? maskKey(apiKey) : '-'}\nfrom      ${source}\naccepted  ${status}\n`,
    );
  }
  return check?.ok === true ? EXIT.ok : EXIT.failure;
}
