// The library API through the package's own `exports` map, as another project would import it, sharing
// state with the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openCloudmesh, TERMINAL_STATES, UserError, type JobRow } from 'cloudmesh';
import { cm, cmJson, eventually, tempHome } from '../helpers.ts';

test('import from "cloudmesh": defaults, vars and jobs share state with the cm command', async () => {
  const home = tempHome();
  const api = openCloudmesh({ home });
  try {
    await api.defaults.set('cluster', 'local');
    await api.vars.set('greeting', 'hi');
    assert.equal((await cmJson<{ value: string }>(home, ['var', 'greeting'])).value, 'hi');
    await cm(home, ['default', 'image=from-cli']);
    assert.equal(await api.defaults.get('image'), 'from-cli');

    const job = await api.jobs.submit({ command: ['echo', 'from the library'], name: 'lib' });
    const done = await eventually(async () => {
      const [row] = await api.jobs.status({ ids: [job.id] });
      return row && TERMINAL_STATES.has(row.state as never) ? row : undefined;
    });
    assert.equal(done.state, 'COMPLETED');
    assert.equal((await api.jobs.output(job.id)).text, 'from the library\n');
    const fromCli = await cmJson<JobRow[]>(home, ['hpc', 'status', job.id]);
    assert.equal(fromCli[0]!.state, 'COMPLETED');

    const viaWords = (await api.run(['var', 'list'])) as { name: string }[];
    assert.deepEqual(viaWords.map((v) => v.name), ['greeting']);
    await assert.rejects(api.vars.get('nope'), (error) => error instanceof UserError && /no variable "nope"/.test(error.message));

    const audit = await api.audit();
    assert.ok(audit.some((row) => row.face === 'cli' && row.command === 'default'));
    assert.equal((await api.db.info()).backend, 'sqlite');
  } finally {
    await api.close();
  }
});
