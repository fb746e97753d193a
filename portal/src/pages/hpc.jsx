// HPC: submit a job to any registered cluster, the tracked jobs (cancel with a dry-run preview), the
// cluster's own queue, and a job's detail page with its output streaming live until it ends.
import { useEffect, useRef, useState } from 'preact/hooks';
import { age, command } from '../api.js';
import { Confirm, ErrorLine, Section, Table, useNow } from '../ui.jsx';

const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT']);

function Submit({ clusters, onSubmitted }) {
  const [cluster, setCluster] = useState('');
  const [name, setName] = useState('');
  const [text, setText] = useState('');
  const [shell, setShell] = useState(false);
  const [time, setTime] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // One word: hpc run splits it like a shell line but never hands it to a shell (unless `shell`).
      const result = await command('POST', 'hpc/run', { command: [text], ...(cluster ? { cluster } : {}), ...(name ? { name } : {}), ...(shell ? { shell } : {}), ...(time ? { time } : {}) });
      setText('');
      setName('');
      onSubmitted(result.data);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form id="submit-job" class="grid-form" onSubmit={submit}>
      <div>
        <label for="job-cluster">Cluster</label>
        <select id="job-cluster" value={cluster} onChange={(e) => setCluster(e.currentTarget.value)}>
          <option value="">(default)</option>
          {clusters.map((c) => <option key={c}>{c}</option>)}
        </select>
      </div>
      <div>
        <label for="job-name">Name</label>
        <input id="job-name" value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="job-<id>" />
      </div>
      <div class="wide">
        <label for="job-command">Command or script</label>
        <input id="job-command" required value={text} onInput={(e) => setText(e.currentTarget.value)} placeholder="python3 train.py --epochs 3" />
      </div>
      <div>
        <label for="job-time">Time limit</label>
        <input id="job-time" value={time} onInput={(e) => setTime(e.currentTarget.value)} placeholder="10 or 01:00:00" />
      </div>
      <div class="check">
        <input id="job-shell" type="checkbox" checked={shell} onChange={(e) => setShell(e.currentTarget.checked)} />
        <label for="job-shell">Run through /bin/sh (pipes, redirection)</label>
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>Submit</button>
      </div>
      <ErrorLine error={error} />
    </form>
  );
}

export function Hpc() {
  const [clusters, setClusters] = useState([]);
  const [jobs, setJobs] = useState(null);
  const [queueCluster, setQueueCluster] = useState('');
  const [queue, setQueue] = useState(null);
  const [error, setError] = useState(null);
  const [confirm, setConfirm] = useState(null);
  const [notice, setNotice] = useState('');
  const now = useNow();
  const load = () => command('GET', 'hpc/status').then((r) => setJobs(r.data), setError);
  useEffect(() => {
    command('GET', 'config').then((r) => setClusters(Object.keys(r.data.clusters ?? {})), () => setClusters(['local']));
    load();
    const timer = setInterval(load, 3000);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    setQueue(null);
    command('GET', 'hpc/queue', queueCluster ? { cluster: queueCluster } : {}).then((r) => setQueue(r.data), setError);
  }, [queueCluster, jobs?.length]);

  const cancel = async (job) => {
    setError(null);
    try {
      const params = { ids: [job.id], cluster: job.cluster };
      const plan = await command('DELETE', 'hpc/kill', { ...params, dryRun: true });
      setConfirm({ params, plan: plan.data, title: `Cancel job ${job.id} (${job.name}) on ${job.cluster}?` });
    } catch (e) {
      setError(e);
    }
  };
  const doCancel = async () => {
    try {
      const result = await command('DELETE', 'hpc/kill', confirm.params);
      const item = result.data?.[0];
      setNotice(item?.ok ? `job ${item.id} cancelled` : `could not cancel: ${item?.message ?? result.message}`);
    } catch (e) {
      setError(e);
    }
    setConfirm(null);
    load();
  };

  return (
    <>
      <Section title="Submit a job">
        <Submit clusters={clusters} onSubmitted={(job) => { setNotice(`submitted job ${job.id} to ${job.cluster}`); load(); }} />
      </Section>
      <Section title="Jobs">
        <ErrorLine error={error} />
        {notice ? <p role="status" id="hpc-notice">{notice}</p> : null}
        {jobs ? (
          <Table
            label="Jobs"
            rows={jobs}
            rowKey={(j) => `${j.cluster}:${j.id}`}
            columns={[
              ['cluster', 'Cluster'],
              ['id', 'Id', (j) => <a href={`#/hpc/job/${encodeURIComponent(j.cluster)}/${encodeURIComponent(j.id)}`}>{j.id}</a>],
              ['name', 'Name'],
              ['state', 'State', (j) => <span class={`state ${j.state.toLowerCase()}`}>{j.state}</span>],
              ['exit_code', 'Exit'],
              ['age', 'Age', (j) => age(j.seen_at, now)],
              ['actions', '', (j) => (FINAL.has(j.state) ? null : <button type="button" class="danger" onClick={() => cancel(j)} aria-label={`cancel job ${j.id}`}>cancel</button>)],
            ]}
            empty="No jobs yet."
          />
        ) : null}
      </Section>
      <Section
        title="Queue"
        actions={
          <select aria-label="Queue of cluster" value={queueCluster} onChange={(e) => setQueueCluster(e.currentTarget.value)}>
            <option value="">(default cluster)</option>
            {clusters.map((c) => <option key={c}>{c}</option>)}
          </select>
        }
      >
        {queue ? <Table label="Queue" rows={queue} columns={[['id', 'Id'], ['name', 'Name'], ['user', 'User'], ['partition', 'Partition'], ['state', 'State'], ['reason', 'Reason']]} empty="The queue is empty." /> : <p class="loading">Loading…</p>}
      </Section>
      {confirm ? <Confirm title={confirm.title} plan={confirm.plan} onCancel={() => setConfirm(null)} onConfirm={doCancel} /> : null}
    </>
  );
}

export function JobDetail({ cluster, id }) {
  const [job, setJob] = useState(null);
  const [output, setOutput] = useState('');
  const [ended, setEnded] = useState(false);
  const [error, setError] = useState(null);
  const pre = useRef(null);
  useEffect(() => {
    setOutput('');
    setEnded(false);
    const events = new EventSource(`/events/job?cluster=${encodeURIComponent(cluster)}&id=${encodeURIComponent(id)}`);
    events.addEventListener('output', (e) => setOutput((text) => text + JSON.parse(e.data).text));
    events.addEventListener('state', (e) => setJob(JSON.parse(e.data)));
    events.addEventListener('end', () => {
      setEnded(true);
      events.close();
    });
    events.addEventListener('error', (e) => {
      if (e.data) setError(new Error(JSON.parse(e.data).error?.message ?? 'stream error'));
    });
    return () => events.close();
  }, [cluster, id]);
  useEffect(() => {
    if (pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [output]);
  return (
    <Section title={`Job ${id} on ${cluster}`} actions={<a href="#/hpc">All jobs</a>}>
      <ErrorLine error={error} />
      {job ? (
        <dl class="facts">
          <dt>Name</dt><dd>{job.name}</dd>
          <dt>State</dt><dd id="job-state" class={`state ${String(job.state).toLowerCase()}`}>{job.state}</dd>
          <dt>Exit code</dt><dd>{job.exit_code ?? ''}</dd>
          <dt>Directory</dt><dd>{job.dir ?? ''}</dd>
        </dl>
      ) : null}
      <h3>Output {ended ? '' : <span class="live on">live</span>}</h3>
      <pre id="job-output" ref={pre} class="output" tabIndex={0} aria-label="job output">{output}</pre>
    </Section>
  );
}
