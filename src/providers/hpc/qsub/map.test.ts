/** The pure pieces every qsub-family adapter shares: name encoding, directive safety, durations, arrays, XML. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countTasks, decodeJobName, directiveSafe, encodeJobName, formatWalltime, parseDuration, stateOf, summarizeArray } from './map.ts';
import type { QsubRow } from './map.ts';
import { parseXml } from './xml.ts';

test('job names round-trip through the characters Grid Engine and PBS accept', () => {
  for (const name of ['plain', `it's "odd"; $(touch /x) \`y\` #1 @:*?\\/ ünï %41`, '1starts-with-digit', 'tab\tin', '%']) {
    const encoded = encodeJobName(name);
    assert.match(encoded, /^[A-Za-z_.,;=+!^&(){}[\]<>|~%-][A-Za-z0-9_.,;=+!^&(){}[\]<>|~%-]*$/, encoded);
    assert.equal(decodeJobName(encoded), name);
  }
  assert.equal(encodeJobName('train-run_2'), 'train-run_2', 'a name that needs nothing is left alone');
  assert.equal(decodeJobName('not%zzencoded'), 'not%zzencoded');
});

test('directive values: anything a directive parser would strip or cut goes on argv instead', () => {
  assert.equal(directiveSafe('/home/a b/out'), true);
  for (const bad of ['a"b', "a'b", 'a#b', 'a\\b', 'a\nb', '']) assert.equal(directiveSafe(bad), false, bad);
});

test('durations and walltimes', () => {
  assert.equal(formatWalltime(3725), '01:02:05');
  assert.equal(formatWalltime(90_000), '25:00:00');
  assert.equal(parseDuration('01:02:05'), 3725);
  assert.equal(parseDuration('1:00:00:00'), 86_400);
  assert.equal(parseDuration('45'), 45);
  assert.equal(parseDuration('INFINITY'), null);
});

test('array sizes from Slurm-style specs', () => {
  assert.equal(countTasks('1-10'), 10);
  assert.equal(countTasks('1-10:3'), 4);
  assert.equal(countTasks('1,3,5-7%2'), 5);
  assert.equal(countTasks('x'), null);
});

test('an array is live while any task is, else its worst ending; a task is its own row', () => {
  const row = (task: number, state: QsubRow['state'], exitCode: number | null): QsubRow => ({
    id: `7.${task}`, base: '7', task, state, exitCode, startedAt: null, endedAt: null, reason: null, name: 'a', user: 'u', partition: null,
  });
  const rows = [row(1, 'COMPLETED', 0), row(2, 'FAILED', 4), row(3, 'RUNNING', null)];
  assert.equal(stateOf('7', '7', null, rows)?.state, 'RUNNING');
  assert.deepEqual(stateOf('7.2', '7', 2, rows)?.exitCode, 4);
  assert.equal(stateOf('7.9', '7', 9, rows), null);
  assert.deepEqual(summarizeArray('7', rows.slice(0, 2)), { id: '7', state: 'FAILED', exitCode: 4, startedAt: null, endedAt: null, reason: 'array: 1 COMPLETED, 1 FAILED' });
});

test('the XML reader takes what schedulers print and refuses what is broken', () => {
  const root = parseXml(`<?xml version='1.0'?>\n<a x="1 &amp; 2"><b>t&lt;1&#33;</b><c/><![CDATA[<raw>]]></a>`);
  assert.equal(root.attributes['x'], '1 & 2');
  assert.equal(root.children[0]?.text, 't<1!');
  assert.equal(root.text, '<raw>');
  assert.throws(() => parseXml('<a><b></a>'), /malformed/);
  assert.throws(() => parseXml('<a>'), /not closed/);
});
