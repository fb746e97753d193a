/**
 * @module test/contracts/store.cases-scope
 * Contract case for a database shared by several users and machines (StoreScope in core/store.ts):
 * the same user sees the same rows from any machine, two users never see or overwrite each other's
 * rows, local-cluster jobs stay with their machine, and the audit log and counters are shared.
 */
import assert from 'node:assert/strict';
import type { StoreScope } from '../../src/core/store.ts';
import { STORE_CASES, type RunCase } from './store.cases.ts';
import { SAMPLES } from './store.samples.ts';

const scope = (user: string, machine: string): StoreScope => ({ user, machine: `${user}@${machine}`, machineClusters: ['local'] });

export function scopeCases(run: RunCase): void {
  run(STORE_CASES.scopes, async (ctx) => {
    if (!ctx.openScoped) {
      ctx.t.skip('the factory cannot open a second store on the same database');
      return;
    }
    const alice = await ctx.openScoped(scope('alice', 'laptop:/home/alice/.cloudmesh'));
    const aliceElsewhere = await ctx.openScoped(scope('alice', 'login-node:/home/alice/.cloudmesh'));
    const bob = await ctx.openScoped(scope('bob', 'laptop:/home/bob/.cloudmesh'));
    // Same keys for both users: without owners these would overwrite each other.
    const mine = { ...SAMPLES.defaults(0), value: 'alice-value' };
    const his = { ...SAMPLES.defaults(0), value: 'bob-value' };
    await alice.collection('defaults').put(mine);
    await bob.collection('defaults').put(his);
    await alice.collection('vms').putMany([SAMPLES.vms(1), SAMPLES.vms(4)]);
    await bob.collection('vms').put({ ...SAMPLES.vms(1), status: 'bob-status' });
    await alice.collection('groups').put(SAMPLES.groups(0));
    const localJob = { ...SAMPLES.jobs(1), cluster: 'local', id: '1', name: 'on the laptop' };
    const sharedJob = { ...SAMPLES.jobs(2), cluster: 'hpc', id: '4711' };
    await alice.collection('jobs').putMany([localJob, sharedJob]);
    const otherLocal = { ...localJob, name: 'on the login node' };
    await aliceElsewhere.collection('jobs').put(otherLocal);

    assert.deepEqual(await alice.collection('defaults').list(), [mine], 'alice keeps her value');
    assert.deepEqual(await bob.collection('defaults').list(), [his], 'bob keeps his');
    assert.deepEqual(await aliceElsewhere.collection('defaults').get({ scope: mine.scope, key: mine.key }), mine, 'alice sees her defaults on another machine');
    assert.deepEqual(await aliceElsewhere.collection('vms').list(), [SAMPLES.vms(1), SAMPLES.vms(4)], 'and her VMs');
    assert.deepEqual(await aliceElsewhere.collection('groups').list(), [SAMPLES.groups(0)], 'and her groups');
    assert.deepEqual(await bob.collection('vms').list(), [{ ...SAMPLES.vms(1), status: 'bob-status' }], 'bob sees only his VM');
    assert.equal(await bob.collection('groups').count(), 0);

    assert.deepEqual(await alice.collection('jobs').list({ where: { cluster: 'local' } }), [localJob], 'a local job belongs to its machine');
    assert.deepEqual(await aliceElsewhere.collection('jobs').get({ cluster: 'local', id: '1' }), otherLocal, 'the same local id on another machine is another job');
    assert.deepEqual(await aliceElsewhere.collection('jobs').get({ cluster: 'hpc', id: '4711' }), sharedJob, 'a job of a shared cluster is seen from every machine');
    assert.equal(await bob.collection('jobs').count(), 0, 'bob sees none of alice\'s jobs');

    // Bob's refresh, deletes and replace stay inside his own rows.
    assert.deepEqual(await bob.collection('vms').replace({ cloud: SAMPLES.vms(1).cloud }, []), { added: 0, updated: 0, removed: 1 });
    assert.equal(await bob.collection('defaults').delete({ scope: mine.scope }), 1);
    assert.equal(await bob.collection('jobs').delete({ cluster: ['local', 'hpc'] }), 0);
    assert.deepEqual(await alice.collection('vms').list(), [SAMPLES.vms(1), SAMPLES.vms(4)], 'alice\'s VMs survived bob\'s refresh');
    assert.deepEqual(await alice.collection('defaults').list(), [mine]);
    assert.equal(await alice.collection('jobs').count(), 2);
    assert.equal((await bob.info()).counts.vms, 0, 'info counts what the store sees');
    assert.equal((await alice.info()).counts.jobs, 2);

    // The audit log and counters are one for the whole database; a store without a scope sees no user's rows.
    await alice.collection('audit').put(SAMPLES.audit(0));
    assert.deepEqual(await bob.collection('audit').list(), [SAMPLES.audit(0)]);
    assert.equal(await alice.nextCounter('shared'), 1);
    assert.equal(await bob.nextCounter('shared'), 2);
    assert.equal(await ctx.store.collection('defaults').count(), 0);
    assert.equal(await ctx.store.collection('vms').count(), 0);
    await ctx.store.collection('vars').put(SAMPLES.vars(0));
    assert.equal(await alice.collection('vars').count(), 0);
  });
}
