import { render } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import './styles.css';
import { createApi } from './api';
import { forgetKey, loadKey, saveKey, type StoredKey } from './key-store';
import { createLiveSource, readConfig, type LiveSource } from './live/live-source';
import { href, navigate, useRoute } from './router';
import { KeyGate } from './pages/key-gate';
import { DeploymentsPage } from './pages/deployments';
import { NewDeploymentPage } from './pages/new-deployment';
import { DeploymentPage } from './pages/deployment';
import { PlaygroundPage } from './pages/playground';

const config = readConfig();

function App() {
  const [stored, setStored] = useState<StoredKey | null>(loadKey);
  const [notice, setNotice] = useState<string | null>(null);
  const route = useRoute();
  const api = useMemo(
    () =>
      createApi(
        () => stored?.key ?? null,
        () => {
          forgetKey();
          setStored(null);
          setNotice('RunPod did not accept that key; enter it again.');
        },
      ),
    [stored],
  );
  const live = useMemo<Promise<LiveSource>>(() => createLiveSource(config, api), [api]);

  if (!stored)
    return (
      <KeyGate
        api={api}
        notice={notice}
        onKey={(key, remember) => {
          saveKey(key, remember);
          setNotice(null);
          setStored({ key, remember });
        }}
      />
    );

  const current = route.page;
  const nav = (to: string, label: string, page: string) => (
    <a href={to} aria-current={current === page ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <a
        class="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header>
        <a class="brand" href={href.deployments}>
          Visgate Deploy
        </a>
        <nav aria-label="Main">
          {nav(href.deployments, 'Deployments', 'deployments')}
          {nav(href.new, 'New deployment', 'new')}
          {nav(href.playground(), 'Playground', 'playground')}
        </nav>
        <button
          type="button"
          class="link"
          title={stored.remember ? 'Key kept on this device' : 'Key kept for this tab only'}
          onClick={() => {
            forgetKey();
            setStored(null);
            setNotice('Key forgotten: it is no longer stored in this browser.');
            navigate(href.deployments);
          }}
        >
          Forget key
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {route.page === 'deployments' && <DeploymentsPage api={api} />}
        {route.page === 'new' && <NewDeploymentPage api={api} />}
        {route.page === 'deployment' && <DeploymentPage api={api} live={live} id={route.id} />}
        {route.page === 'playground' && <PlaygroundPage api={api} id={route.id} />}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
