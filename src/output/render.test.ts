import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAge, render, terminalWidth } from './render.ts';
import { displayWidth } from './text.ts';

const vms = [
  { name: 'web-1', status: 'running', cloud: 'aws', ip: '10.0.0.1', image: 'ubuntu-24.04-server-cloudimg-amd64-very-long-name' },
  { name: 'db-primary-replica-eu-west', status: 'stopped', cloud: 'openstack', ip: null, image: 'debian-12' },
];

describe('render table', () => {
  it('fits a narrow width and truncates with …', async () => {
    for (const width of [60, 40, 30]) {
      const out = await render(vms, { format: 'table', width });
      const lines = out.trimEnd().split('\n');
      assert.equal(lines.length, 4);
      for (const line of lines) assert.ok(displayWidth(line) <= width, `${JSON.stringify(line)} > ${width}`);
      assert.ok(out.includes('…'));
    }
  });

  it('keeps the natural layout when it fits, two spaces apart, no trailing spaces', async () => {
    const out = await render([{ a: 'x', bb: null }, { a: 'long', bb: 'y' }], { format: 'table' });
    assert.equal(out, 'a     bb\n----  --\nx\nlong  y\n');
  });

  it('shrinks the widest column first', async () => {
    const rows = [{ id: '1', text: 'w'.repeat(80), note: 'short' }];
    const out = await render(rows, { format: 'table', width: 40 });
    const [header] = out.split('\n');
    assert.equal(header, `id  text${' '.repeat(25)}  note`);
    assert.equal(out.split('\n')[2], `1   ${'w'.repeat(28)}…  short`); // exactly the 40 columns
  });

  it('hides columns behind … when even minimum widths do not fit', async () => {
    const row = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`column${i}`, 'value value']));
    const out = await render([row], { format: 'table', width: 50 });
    for (const line of out.trimEnd().split('\n')) {
      assert.ok(line.length <= 50);
      assert.ok(line.endsWith('…') || line.endsWith('-'));
    }
  });

  it('selects and orders columns', async () => {
    const out = await render(vms, { format: 'table', columns: ['status', 'name'], width: 200 });
    const lines = out.trimEnd().split('\n');
    assert.match(lines[0]!, /^status\s+name$/);
    assert.match(lines[2]!, /^running\s+web-1$/);
    assert.ok(!out.includes('aws'));
  });

  it('unions keys in first-seen order', async () => {
    const out = await render([{ a: 1 }, { b: true, a: 2 }, { c: { x: [1] } }], { format: 'table' });
    assert.equal(out, 'a  b     c\n-  ----  ---------\n1\n2  true\n         {"x":[1]}\n');
  });

  it('shows nulls as empty and keeps a multi-line cell on one line', async () => {
    const out = await render([{ name: 'job', log: 'line1\nline2\r\nline3', exit: null }], { format: 'table' });
    const lines = out.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.equal(lines[2], 'job   line1⏎line2⏎line3');
  });

  it('escapes terminal control sequences in cells', async () => {
    const out = await render([{ name: 'evil\x1b[2Jname' }], { format: 'table' });
    assert.ok(!out.includes('\x1b'));
    assert.ok(out.includes('evil\\x1b[2Jname'));
  });

  it('renders a single record as a field/value table', async () => {
    const out = await render({ name: 'web-1', cpus: 2, tags: ['a', 'b'], gpu: null }, { format: 'table' });
    assert.equal(out, 'field  value\n-----  ---------\nname   web-1\ncpus   2\ntags   ["a","b"]\ngpu\n');
  });

  it('prints strings as is, nothing for null/undefined/empty', async () => {
    assert.equal(await render('done', { format: 'table' }), 'done\n');
    assert.equal(await render(null, { format: 'table' }), '');
    assert.equal(await render(undefined, { format: 'json' }), '');
    assert.equal(await render([], { format: 'table' }), '');
  });

  it('bolds the header only with color', async () => {
    const plain = await render([{ a: 1 }], { format: 'table' });
    const bold = await render([{ a: 1 }], { format: 'table', color: true });
    assert.ok(!plain.includes('\x1b'));
    assert.ok(bold.startsWith('\x1b[1ma\x1b[22m\n'));
  });

  it('shows age columns as ages', async () => {
    const now = new Date('2025-01-01T12:00:00Z');
    const out = await render([{ name: 'j', age: '2025-01-01T11:55:00Z' }], { format: 'table', now });
    assert.match(out, /j\s+5m\n$/);
  });

  it('measures wide characters in cells', async () => {
    const out = await render([{ name: '日本語のサーバー名前です', id: 1 }], { format: 'table', width: 16 });
    for (const line of out.trimEnd().split('\n')) assert.ok(displayWidth(line) <= 16, line);
  });
});

describe('render csv', () => {
  it('quotes per RFC 4180 with CRLF', async () => {
    const out = await render([{ a: 'a,b', b: 'say "hi"', c: 'line1\nline2', d: null, e: { k: 1 } }], { format: 'csv' });
    assert.equal(out, 'a,b,c,d,e\r\n"a,b","say ""hi""","line1\nline2",,"{""k"":1}"\r\n');
  });

  it('honours columns and prints only the header for no rows', async () => {
    assert.equal(await render([{ x: 1, y: 2 }], { format: 'csv', columns: ['y'] }), 'y\r\n2\r\n');
    assert.equal(await render([], { format: 'csv', columns: ['id', 'name'] }), 'id,name\r\n');
    assert.equal(await render([], { format: 'csv' }), '');
  });

  it('renders a string as a single cell', async () => {
    assert.equal(await render('a,b', { format: 'csv' }), '"a,b"\r\n');
  });
});

describe('render json/yaml', () => {
  it('round-trips JSON with every field, ignoring columns', async () => {
    const out = await render(vms, { format: 'json', columns: ['name'] });
    assert.deepEqual(JSON.parse(out), vms);
    assert.ok(out.endsWith('\n'));
    assert.equal(await render([], { format: 'json' }), '[]\n');
    assert.equal(await render('hi', { format: 'json' }), '"hi"\n');
  });

  it('encodes bigint ids as strings instead of throwing', async () => {
    assert.deepEqual(JSON.parse(await render({ id: 2n ** 64n }, { format: 'json' })), { id: '18446744073709551616' });
  });

  it('writes YAML with the keys', async () => {
    const out = await render(vms, { format: 'yaml' });
    assert.match(out, /^- name: web-1$/m);
    assert.match(out, /^ {2}status: stopped$/m);
    assert.ok(out.endsWith('\n'));
  });

  it('rejects an unknown format', async () => {
    await assert.rejects(render([], { format: 'xml' as 'json' }), /unknown output format/);
  });
});

describe('formatAge', () => {
  const now = new Date('2025-01-10T00:00:00Z');
  const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();
  it('uses the largest whole unit', () => {
    assert.equal(formatAge(ago(0), now), '0s');
    assert.equal(formatAge(ago(59), now), '59s');
    assert.equal(formatAge(ago(60), now), '1m');
    assert.equal(formatAge(ago(3599), now), '59m');
    assert.equal(formatAge(ago(3600), now), '1h');
    assert.equal(formatAge(ago(86399), now), '23h');
    assert.equal(formatAge(ago(86400), now), '1d');
    assert.equal(formatAge(ago(86400 * 45), now), '45d');
  });
  it('clamps the future and handles null/garbage', () => {
    assert.equal(formatAge(ago(-300), now), '0s');
    assert.equal(formatAge(null, now), '');
    assert.equal(formatAge('not a date', now), '');
  });
});

describe('terminalWidth', () => {
  it('uses columns only for a TTY', () => {
    assert.equal(terminalWidth({ isTTY: true, columns: 132 }), 132);
    assert.equal(terminalWidth({ isTTY: false, columns: 132 }), 100);
    assert.equal(terminalWidth({ isTTY: true, columns: 0 }), 100);
  });
});
