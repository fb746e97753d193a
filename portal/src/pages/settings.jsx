// Defaults and the registered clouds and clusters, as `cm config` shows them: every secret masked by the
// server before it leaves (the browser never receives one).
import { useEffect, useState } from 'preact/hooks';
import { command } from '../api.js';
import { ErrorLine, Section, Table } from '../ui.jsx';

export function Settings() {
  const [defaults, setDefaults] = useState(null);
  const [config, setConfig] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    command('GET', 'default/list').then((r) => setDefaults(r.data), setError);
    command('GET', 'config').then((r) => setConfig(r.data), setError);
  }, []);
  const entries = (section) => Object.entries(config?.[section] ?? {}).map(([name, entry]) => ({ name, kind: entry.kind ?? entry.scheduler ?? entry.type ?? '', settings: JSON.stringify(entry) }));
  return (
    <>
      <ErrorLine error={error} />
      <Section title="Defaults">
        {defaults ? <Table label="Defaults" rows={defaults} columns={[['scope', 'Scope'], ['key', 'Key'], ['value', 'Value'], ['source', 'Set from']]} empty="No defaults set (cm default KEY=VALUE)." /> : null}
      </Section>
      <Section title="Clouds">
        {config ? <Table label="Clouds" rows={entries('clouds')} columns={[['name', 'Name'], ['kind', 'Kind'], ['settings', 'Settings (secrets masked)', (r) => <code class="settings">{r.settings}</code>]]} empty="No clouds registered (cm register ...)." /> : null}
      </Section>
      <Section title="Clusters">
        {config ? <Table label="Clusters" rows={entries('clusters')} columns={[['name', 'Name'], ['kind', 'Scheduler'], ['settings', 'Settings (secrets masked)', (r) => <code class="settings">{r.settings}</code>]]} /> : null}
      </Section>
    </>
  );
}
