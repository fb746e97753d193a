// Images and flavors of every cloud, from the cache (the same `image list` / `flavor list` as the CLI).
import { useEffect, useState } from 'preact/hooks';
import { age, command, hasRoute } from '../api.js';
import { ErrorLine, Section, Table, useNow } from '../ui.jsx';

function Listing({ noun, columns }) {
  const [rows, setRows] = useState(undefined);
  const [error, setError] = useState(null);
  const now = useNow(5000);
  useEffect(() => {
    hasRoute(`${noun}/list`).then((yes) => (yes ? command('GET', `${noun}/list`).then((r) => setRows(r.data), setError) : setRows(null)));
  }, [noun]);
  if (rows === null) return <p class="empty">{noun} list is not available in this cloudmesh yet.</p>;
  return (
    <>
      <ErrorLine error={error} />
      {rows ? <Table label={`${noun}s`} rows={rows} columns={[...columns, ['age', 'Age', (r) => (r.seen_at ? age(r.seen_at, now) : '')]]} empty={`No ${noun}s cached; refresh from the CLI (cm ${noun} refresh).`} /> : null}
    </>
  );
}

export function Catalog() {
  return (
    <>
      <Section title="Images">
        <Listing noun="image" columns={[['cloud', 'Cloud'], ['name', 'Name'], ['id', 'Id'], ['status', 'Status']]} />
      </Section>
      <Section title="Flavors">
        <Listing noun="flavor" columns={[['cloud', 'Cloud'], ['name', 'Name'], ['vcpus', 'vCPUs'], ['ram_mb', 'RAM (MB)'], ['disk_gb', 'Disk (GB)']]} />
      </Section>
    </>
  );
}
