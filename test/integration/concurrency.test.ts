// Eight `cm` processes writing at once lose nothing: each runs a script of 25 state changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cm, cmJson, tempHome } from '../helpers.ts';

test('8 concurrent cm processes × 25 writes each: all 200 rows and 200 audit entries arrive', async () => {
  const home = tempHome();
  const processes = 8;
  const writes = 25;
  const scripts = Array.from({ length: processes }, (_, p) => {
    const file = join(home, `writer-${p}.cm`);
    writeFileSync(file, Array.from({ length: writes }, (_, w) => `var p${p}_w${w}=value-${p}-${w}`).join('\n') + '\n');
    return file;
  });
  const started = Date.now();
  const results = await Promise.all(scripts.map((file) => cm(home, [file], { timeoutMs: 90_000 })));
  const elapsed = Date.now() - started;
  for (const result of results) assert.equal(result.code, 0, result.stderr);
  const vars = await cmJson<{ name: string; value: string }[]>(home, ['var', 'list']);
  assert.equal(vars.length, processes * writes);
  for (let p = 0; p < processes; p++) {
    for (let w = 0; w < writes; w++) assert.equal(vars.find((v) => v.name === `p${p}_w${w}`)?.value, `value-${p}-${w}`);
  }
  const audit = await cmJson<unknown[]>(home, ['audit', 'list']);
  assert.equal(audit.length, processes * writes);
  console.log(`# ${processes}x${writes} writes through cm scripts in ${elapsed} ms`);
});

test('8 processes submitting local jobs at once get distinct ids, all tracked', async () => {
  const home = tempHome();
  const results = await Promise.all(Array.from({ length: 8 }, () => cm(home, ['--output', 'json', 'hpc', 'run', 'true'])));
  const ids = results.map((r) => {
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { id: string }).id;
  });
  assert.equal(new Set(ids).size, 8);
  const tracked = await cmJson<{ id: string }[]>(home, ['hpc', 'status']);
  assert.deepEqual(tracked.map((t) => t.id).sort(), [...ids].sort());
});
