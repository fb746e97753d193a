// The portal shell: session check, login, navigation by URL hash (#/vms, #/hpc/job/local/12), logout.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { logout, session } from './api.js';
import { Login } from './login.jsx';
import { Dashboard } from './pages/dashboard.jsx';
import { Vms } from './pages/vms.jsx';
import { Catalog } from './pages/catalog.jsx';
import { Hpc, JobDetail } from './pages/hpc.jsx';
import { Settings } from './pages/settings.jsx';
import './style.css';

const PAGES = [
  ['#/', 'Dashboard'],
  ['#/vms', 'VMs'],
  ['#/catalog', 'Images & flavors'],
  ['#/hpc', 'HPC jobs'],
  ['#/settings', 'Defaults & registrations'],
];

function useHash() {
  const [hash, setHash] = useState(location.hash || '#/');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function Page({ hash }) {
  const job = /^#\/hpc\/job\/([^/]+)\/([^/]+)$/.exec(hash);
  if (job) return <JobDetail cluster={decodeURIComponent(job[1])} id={decodeURIComponent(job[2])} />;
  if (hash.startsWith('#/vms')) return <Vms />;
  if (hash.startsWith('#/catalog')) return <Catalog />;
  if (hash.startsWith('#/hpc')) return <Hpc />;
  if (hash.startsWith('#/settings')) return <Settings />;
  return <Dashboard />;
}

function App() {
  const [state, setState] = useState(null);
  const hash = useHash();
  const refresh = () => session().then(setState, () => setState({ authenticated: false, factors: {} }));
  useEffect(() => void refresh(), []);
  if (!state) return <p class="loading">Loading…</p>;
  if (!state.authenticated) return <Login factors={state.factors} onLogin={refresh} />;
  const current = PAGES.filter(([href]) => href !== '#/').find(([href]) => hash.startsWith(href))?.[0] ?? '#/';
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <span class="brand">cloudmesh</span>
        <nav aria-label="Main">
          {PAGES.map(([href, label]) => (
            <a key={href} href={href} aria-current={current === href ? 'page' : undefined}>{label}</a>
          ))}
        </nav>
        <button type="button" id="logout" onClick={() => logout().finally(refresh)}>Log out</button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page hash={hash} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app'));
