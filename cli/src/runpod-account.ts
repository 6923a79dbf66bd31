import { CliError } from './errors';

export interface AccountEndpoint {
  id: string;
  name: string;
}

export interface AccountTemplate {
  id: string;
  name: string;
}

/**
 * The few RunPod management calls `cleanup` needs (REST v2, the user's own key). Deliberately small:
 * the CLI talks to RunPod only to find and remove what a lost deployment left behind.
 */
export function createRunPodAccount(baseUrl: string, apiKey: string) {
  async function call(method: string, path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${baseUrl}/v2${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${apiKey}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new CliError(`cannot reach RunPod at ${baseUrl}`);
    }
    const text = await res.text();
    if (!res.ok) {
      const why = res.status === 401 || res.status === 403 ? 'RunPod rejected the API key' : text;
      throw new CliError(`RunPod ${method} ${path} answered ${res.status}: ${why.slice(0, 200)}`);
    }
    return text === '' ? undefined : JSON.parse(text);
  }
  return {
    async listEndpoints(): Promise<AccountEndpoint[]> {
      const body = (await call('GET', '/serverless')) as {
        endpoints?: { id: string; name: string }[];
      };
      return (body.endpoints ?? []).map((e) => ({ id: e.id, name: e.name }));
    },
    async listTemplates(): Promise<AccountTemplate[]> {
      const body = (await call('GET', '/templates')) as { templates?: AccountTemplate[] };
      return (body.templates ?? []).map((t) => ({ id: t.id, name: t.name }));
    },
    /** Scales to zero first: RunPod deletes only an endpoint whose min and max workers are 0. */
    async deleteEndpoint(id: string): Promise<void> {
      await call('PATCH', `/serverless/${encodeURIComponent(id)}`, { workers: { min: 0, max: 0 } });
      await call('DELETE', `/serverless/${encodeURIComponent(id)}`);
    },
    async deleteTemplate(id: string): Promise<void> {
      await call('DELETE', `/templates/${encodeURIComponent(id)}`);
    },
  };
}

export type RunPodAccount = ReturnType<typeof createRunPodAccount>;
