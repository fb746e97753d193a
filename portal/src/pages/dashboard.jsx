// Every VM and job cloudmesh knows, each with its source and age; kept current by /events/status, so a
// job submitted from the CLI in another terminal appears here within a second or so.
import { useEffect, useState } from 'preact/hooks';
import { age, command } from '../api.js';
import { ErrorLine, Section, Table, useNow } from '../ui.jsx';

export function Dashboard() {
  const [rows, setRows] = useState(null);
  const [error, setError] = useState(null);
  const [live, setLive] = useState(false);
  const now = useNow();
  useEffect(() => {
    command('GET', 'status').then((r) => setRows(r.data), setError);
    const events = new EventSource('/events/status');
    events.addEventListener('status', (e) => {
      setRows(JSON.parse(e.data));
      setLive(true);
    });
    events.onerror = () => setLive(false);
    return () => events.close();
  }, []);
  const vms = rows?.filter((r) => r.kind === 'vm').length ?? 0;
  const jobs = rows?.filter((r) => r.kind === 'job').length ?? 0;
  return (
    <Section title="Dashboard" actions={<span class={live ? 'live on' : 'live'}>{live ? 'live' : 'connecting…'}</span>}>
      <p class="summary">{vms} VMs, {jobs} jobs</p>
      <ErrorLine error={error} />
      {rows ? (
        <Table
          label="VMs and jobs"
          rows={rows}
          rowKey={(r) => `${r.kind}:${r.where}:${r.id}`}
          columns={[
            ['kind', 'Kind'],
            ['where', 'Cloud / cluster'],
            ['name', 'Name', (r) => (r.kind === 'job' ? <a href={`#/hpc/job/${encodeURIComponent(r.where)}/${encodeURIComponent(r.id)}`}>{r.name}</a> : r.name)],
            ['id', 'Id'],
            ['state', 'State', (r) => <span class={`state ${String(r.state).toLowerCase()}`}>{r.state}</span>],
            ['detail', 'Detail'],
            ['source', 'Source'],
            ['age', 'Age', (r) => <span title={r.seen_at}>{age(r.seen_at, now)}</span>],
          ]}
          empty="No VMs or jobs yet. Boot a VM or submit a job."
        />
      ) : (
        <p class="loading">Loading…</p>
      )}
    </Section>
  );
}
