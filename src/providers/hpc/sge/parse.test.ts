/** Grid Engine's output formats, from what Son of Grid Engine 8.1.9 printed here; runs without Grid Engine. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accountingRows, parseQacct, parseQdelErrors, parseQhostXml, parseQstatXml, parseSubmitId } from './parse.ts';
import { liveState } from './map.ts';

const QSTAT = `<?xml version='1.0'?>
<job_info  xmlns:xsd="http://arc.liv.ac.uk/repos/darcs/sge/source/dist/util/resources/schemas/qstat/qstat.xsd">
  <queue_info>
    <job_list state="running">
      <JB_job_number>43</JB_job_number>
      <JAT_prio>0.50000</JAT_prio>
      <JB_name>sleep</JB_name>
      <JB_owner>root</JB_owner>
      <state>r</state>
      <JAT_start_time>2026-11-25T19:06:46</JAT_start_time>
      <queue_name>all.q@vm</queue_name>
      <slots>1</slots>
      <tasks>1</tasks>
    </job_list>
  </queue_info>
  <job_info>
    <job_list state="pending">
      <JB_job_number>43</JB_job_number>
      <JAT_prio>0.50000</JAT_prio>
      <JB_name>sleep</JB_name>
      <JB_owner>root</JB_owner>
      <state>qw</state>
      <JB_submission_time>2026-11-25T19:06:46</JB_submission_time>
      <queue_name></queue_name>
      <slots>1</slots>
      <tasks>3-5:2</tasks>
    </job_list>
    <job_list state="pending">
      <JB_job_number>35</JB_job_number>
      <JAT_prio>0.50000</JAT_prio>
      <JB_name>semi;colon%20%24(echo%20x)</JB_name>
      <JB_owner>hpcuser</JB_owner>
      <state>Eqw</state>
      <JB_submission_time>2026-11-25T19:03:42</JB_submission_time>
      <slots>1</slots>
    </job_list>
  </job_info>
</job_info>`;

test('qstat -xml: running and pending tasks (ranges expanded), error state, decoded names', () => {
  const rows = parseQstatXml(QSTAT);
  assert.deepEqual(rows.map((r) => [r.id, r.state, r.partition]), [['43.1', 'RUNNING', 'all.q'], ['43.3', 'PENDING', null], ['43.5', 'PENDING', null], ['35', 'PENDING', null]]);
  assert.equal(rows[3]?.name, 'semi;colon $(echo x)');
  assert.match(rows[3]?.reason ?? '', /^error state Eqw/);
  assert.deepEqual(parseQstatXml(''), []);
});

test('state letters', () => {
  assert.deepEqual(['qw', 'hqw', 'r', 't', 'Rr', 's', 'dr', 'Eqw'].map((s) => liveState(s).state), ['PENDING', 'PENDING', 'RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'PENDING']);
});

const record = (fields: Record<string, string>) =>
  `==============================================================\n${Object.entries({ qname: 'all.q', owner: 'root', jobname: 'sleep', taskid: 'undefined', start_time: 'Wed Nov 25 19:03:08 2026', end_time: 'Wed Nov 25 19:03:10 2026', category: 'NONE', ru_wallclock: '2s', ...fields }).map(([k, v]) => `${k.padEnd(13)}${v}`).join('\n')}\n`;

test('qacct -j: how a finished job ended', () => {
  const text = [
    record({ jobnumber: '1', failed: '0    ', exit_status: '0' }),
    record({ jobnumber: '2', failed: '0    ', exit_status: '3' }),
    record({ jobnumber: '3', failed: '37  : qmaster enforced h_rt, h_cpu, or h_vmem limit', exit_status: '137                  (Killed)', category: '-l h_rt=1' }),
    record({ jobnumber: '4', failed: '100 : assumedly after job', exit_status: '137                  (Killed)' }),
    record({ jobnumber: '5', failed: '26  : opening input/output file', exit_status: '0' }),
    record({ jobnumber: '6', failed: '0    ', exit_status: '137', category: '-l h_rt=00:00:02', ru_wallclock: '3s' }),
    record({ jobnumber: '7', taskid: '2', failed: '0    ', exit_status: '1' }),
  ].join('');
  const rows = accountingRows(parseQacct(text));
  assert.deepEqual(rows.map((r) => [r.id, r.state, r.exitCode]), [
    ['1', 'COMPLETED', 0], ['2', 'FAILED', 3], ['3', 'TIMEOUT', null], ['4', 'CANCELLED', null], ['5', 'FAILED', null], ['6', 'TIMEOUT', null], ['7.2', 'FAILED', 1],
  ]);
  assert.equal(rows[4]?.reason, 'Grid Engine: opening input/output file');
  assert.equal(rows[0]?.endedAt, new Date('Wed Nov 25 19:03:10 2026').toISOString());
});

test('qhost -q -xml: queues summed over hosts', () => {
  const xml = `<?xml version='1.0'?>
<qhost xmlns:xsd="http://arc.liv.ac.uk/repos/darcs/sge/source/dist/util/resources/schemas/qhost/qhost.xsd">
 <host name='global'>
   <hostvalue name='arch_string'>-</hostvalue>
 </host>
 <host name='vm'>
   <hostvalue name='num_proc'>2</hostvalue>
 <queue name='all.q'>
   <queuevalue qname='all.q' name='qtype_string'>BI</queuevalue>
   <queuevalue qname='all.q' name='slots_used'>1</queuevalue>
   <queuevalue qname='all.q' name='slots'>2</queuevalue>
   <queuevalue qname='all.q' name='slots_resv'>0</queuevalue>
   <queuevalue qname='all.q' name='state_string'></queuevalue>
 </queue>
 </host>
</qhost>`;
  assert.deepEqual(parseQhostXml(xml), [{ partition: 'all.q', state: 'up', nodes: 1, cpus: 2, timeLimit: null, detail: '1/2 slots used' }]);
});

test('qsub -terse and qdel messages', () => {
  assert.equal(parseSubmitId('123\n'), '123');
  assert.equal(parseSubmitId('3.1-3:1\n'), '3');
  assert.equal(parseSubmitId('Your job 5 ("x") has been submitted'), null);
  assert.deepEqual([...parseQdelErrors('root has deleted job-array task 43.3\ndenied: job "99999" does not exist\njob "43" task "9" does not exist\n')], [
    ['99999', 'denied: job "99999" does not exist'],
    ['43.9', 'job "43" task "9" does not exist'],
  ]);
});
