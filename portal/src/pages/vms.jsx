// VMs: the cached list with ages, a boot form built from `vm boot`'s schema and prefilled from the
// defaults, and start/stop/delete — each shown first as a dry-run plan to confirm when the command
// supports one.
import { useEffect, useState } from 'preact/hooks';
import { age, bodySchema, command } from '../api.js';
import { Confirm, ErrorLine, Section, Table, useNow } from '../ui.jsx';
import { SchemaForm } from './forms.jsx';

const ACTIONS = [
  ['start', 'POST'],
  ['stop', 'POST'],
  ['delete', 'DELETE'],
];

/** The list parameter that takes VM names in a command's schema (`names` by convention). */
function namesKey(schema) {
  const props = schema?.properties ?? {};
  return 'names' in props ? 'names' : Object.keys(props).find((k) => props[k].type === 'array') ?? 'names';
}

export function Vms() {
  const [rows, setRows] = useState(null);
  const [error, setError] = useState(null);
  const [boot, setBoot] = useState(undefined);
  const [defaults, setDefaults] = useState({});
  const [confirm, setConfirm] = useState(null);
  const [notice, setNotice] = useState('');
  const now = useNow();
  const load = () => command('GET', 'vm/list').then((r) => setRows(r.data), setError);
  useEffect(() => {
    load();
    bodySchema('vm/boot').then((s) => setBoot(s ?? null));
    command('GET', 'default/list').then((r) => setDefaults(Object.fromEntries(r.data.map((d) => [d.key, d.value]))), () => undefined);
  }, []);

  const act = async (verb, method, vm) => {
    setError(null);
    try {
      const schema = await bodySchema(`vm/${verb}`, method.toLowerCase());
      if (!schema) throw new Error(`vm ${verb} is not available in this cloudmesh`);
      const params = { [namesKey(schema)]: [vm.name], ...(schema.properties?.cloud ? { cloud: vm.cloud } : {}) };
      if (schema.properties?.dryRun) {
        const plan = await command(method, `vm/${verb}`, { ...params, dryRun: true });
        setConfirm({ verb, method, params, plan: plan.data, title: `${verb} ${vm.name} on ${vm.cloud}?` });
      } else if (confirmNative(`${verb} ${vm.name}?`)) {
        await finish(verb, method, params);
      }
    } catch (e) {
      setError(e);
    }
  };
  const finish = async (verb, method, params) => {
    const result = await command(method, `vm/${verb}`, params);
    setNotice(result.ok ? `vm ${verb}: done` : `vm ${verb}: ${result.message ?? 'some items failed'}`);
    setConfirm(null);
    load();
  };

  return (
    <>
      <Section title="VMs">
        <ErrorLine error={error} />
        {notice ? <p role="status">{notice}</p> : null}
        {rows ? (
          <Table
            label="VMs"
            rows={rows}
            rowKey={(r) => `${r.cloud}:${r.name}`}
            columns={[
              ['cloud', 'Cloud'],
              ['name', 'Name'],
              ['status', 'Status'],
              ['image', 'Image'],
              ['flavor', 'Flavor'],
              ['public_ip', 'Public IP'],
              ['age', 'Age', (r) => age(r.seen_at, now)],
              ['actions', 'Actions', (r) => (
                <span class="row-actions">
                  {ACTIONS.map(([verb, method]) => (
                    <button key={verb} type="button" class={verb === 'delete' ? 'danger' : ''} onClick={() => act(verb, method, r)} aria-label={`${verb} ${r.name}`}>{verb}</button>
                  ))}
                </span>
              )],
            ]}
            empty="No VMs in the cache."
          />
        ) : null}
      </Section>
      <Section title="Boot a VM">
        {boot === undefined ? <p class="loading">Loading…</p> : boot === null ? (
          <p class="empty">vm boot is not available in this cloudmesh (no cloud provider with boot support yet).</p>
        ) : (
          <SchemaForm id="boot" schema={boot} defaults={defaults} submitLabel="Boot" onSubmit={(input) => command('POST', 'vm/boot', input).then((r) => { setNotice(`vm boot: ${r.ok ? 'started' : r.message}`); load(); }, setError)} />
        )}
      </Section>
      {confirm ? (
        <Confirm title={confirm.title} plan={confirm.plan} onCancel={() => setConfirm(null)} onConfirm={() => finish(confirm.verb, confirm.method, confirm.params).catch(setError)} />
      ) : null}
    </>
  );
}

function confirmNative(text) {
  return globalThis.confirm(text);
}
