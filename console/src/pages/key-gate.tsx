import { useState } from 'preact/hooks';
import { ApiError, type Api } from '../api';
import { ErrorNote, Field, describedBy } from '../components';
import { keyProblem } from '../key-store';

/**
 * The RunPod key, typed once. It is checked with one API call before it is stored, kept in this
 * tab (sessionStorage) unless the user ticks "remember", and only ever sent as a Bearer header.
 */
export function KeyGate(props: {
  api: Api;
  notice: string | null;
  onKey: (key: string, remember: boolean) => void;
}) {
  const [key, setKey] = useState('');
  const [remember, setRemember] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const k = key.trim();
    const problem = keyProblem(k);
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const res = await props.api.raw('/v1/deployments?limit=1', {
        headers: { Authorization: `Bearer ${k}` },
      });
      if (res.status === 401) {
        const p = (await res.json().catch(() => ({}))) as { detail?: string };
        setError(p.detail ?? 'RunPod did not accept this key');
        return;
      }
      if (!res.ok) throw new ApiError(res.status, 'INTERNAL', `the server answered ${res.status}`);
      props.onKey(k, remember);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="narrow">
      <h1>Visgate Deploy</h1>
      <p>
        Deploy a Hugging Face diffusion model to a RunPod serverless endpoint, watch it come up, and
        try a prompt. Your RunPod key is your account here.
      </p>
      <ErrorNote error={props.notice} />
      <form onSubmit={(e) => void submit(e)} class="card">
        <Field
          id="runpod-key"
          label="RunPod API key"
          hint="Sent only to this server, as an Authorization header. Never put in a URL or logged."
          error={error}
        >
          <input
            id="runpod-key"
            type="password"
            autocomplete="off"
            spellcheck={false}
            required
            value={key}
            aria-invalid={error ? true : undefined}
            aria-describedby={describedBy('runpod-key', true, error)}
            onInput={(e) => {
              setKey(e.currentTarget.value);
            }}
          />
        </Field>
        <div class="check">
          <input
            id="remember"
            type="checkbox"
            checked={remember}
            onChange={(e) => {
              setRemember(e.currentTarget.checked);
            }}
          />
          <label for="remember">
            Remember on this device (localStorage); otherwise only for this tab
          </label>
        </div>
        <button class="primary" type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Continue'}
        </button>
      </form>
    </main>
  );
}
