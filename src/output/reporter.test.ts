import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createReporter, useColor } from './reporter.ts';

/** A Writable that records what was written, posing as a terminal when asked to. */
function fakeStream(tty: boolean, columns = 80) {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  }) as Writable & { isTTY?: boolean; columns?: number };
  if (tty) Object.assign(stream, { isTTY: true, columns });
  return { stream, chunks, text: () => chunks.join('') };
}

describe('reporter progress', () => {
  it('writes nothing on a non-TTY stream', () => {
    const { stream, chunks } = fakeStream(false);
    const bar = createReporter({ stream, env: {} }).progress('copy', 40);
    bar.tick(12);
    bar.done();
    assert.equal(chunks.length, 0);
  });

  it('writes nothing in CI or when quiet', () => {
    for (const options of [{ env: { CI: 'true' } }, { env: {}, quiet: true }]) {
      const { stream, chunks } = fakeStream(true);
      const bar = createReporter({ stream, ...options }).progress('copy', 40);
      bar.tick(12);
      bar.done();
      assert.equal(chunks.length, 0);
    }
  });

  it('draws a bar on a TTY and clears it when done', () => {
    let now = 0;
    const { stream, chunks, text } = fakeStream(true);
    const bar = createReporter({ stream, env: {}, clock: () => now }).progress('copy', 40);
    now = 1000;
    bar.tick(12);
    assert.equal(chunks.at(-1), '\rcopy [#########---------------------] 12/40');
    bar.done();
    assert.match(chunks.at(-1)!, /^\r +\r$/);
    assert.ok(!text().includes('\n'));
  });

  it('throttles redraws to ~10/s', () => {
    let now = 0;
    const { stream, chunks } = fakeStream(true);
    const bar = createReporter({ stream, env: {}, clock: () => now }).progress('copy', 1000);
    for (let i = 0; i < 100; i++) {
      now += 5; // 100 ticks in 500 ms
      bar.tick();
    }
    bar.done();
    // The initial draw, at most one per 100 ms, and the clear.
    assert.ok(chunks.length <= 1 + 5 + 1, `${chunks.length} writes`);
  });

  it('fits the bar in a narrow terminal', () => {
    const { stream, chunks } = fakeStream(true, 30);
    createReporter({ stream, env: {} }).progress('a very long label that cannot fit', 7).done();
    assert.ok(chunks[0]!.length - 1 < 30);
    assert.match(chunks[0]!, /… \[-+\] 0\/7$/);
  });

  it('prints messages above a live bar', () => {
    const { stream, text } = fakeStream(true);
    const reporter = createReporter({ stream, env: {} });
    const bar = reporter.progress('copy', 4);
    reporter.info('hello');
    bar.done();
    assert.match(text(), /\r +\rhello\n\rcopy \[/);
  });
});

describe('reporter messages', () => {
  it('writes info lines unless quiet', () => {
    const loud = fakeStream(false);
    createReporter({ stream: loud.stream, env: {} }).info('hello');
    assert.equal(loud.text(), 'hello\n');
    const quiet = fakeStream(false);
    createReporter({ stream: quiet.stream, env: {}, quiet: true }).info('hello');
    assert.equal(quiet.text(), '');
  });

  it('always writes warnings, coloured only on a colour TTY', () => {
    const quiet = fakeStream(false);
    createReporter({ stream: quiet.stream, env: {}, quiet: true }).warn('disk full');
    assert.equal(quiet.text(), 'warning: disk full\n');
    const tty = fakeStream(true);
    createReporter({ stream: tty.stream, env: {} }).warn('disk full');
    assert.equal(tty.text(), '\x1b[33mwarning: disk full\x1b[39m\n');
    const noColor = fakeStream(true);
    createReporter({ stream: noColor.stream, env: { NO_COLOR: '1' } }).warn('disk full');
    assert.equal(noColor.text(), 'warning: disk full\n');
    const dumb = fakeStream(true);
    createReporter({ stream: dumb.stream, env: { TERM: 'dumb' } }).warn('disk full');
    assert.equal(dumb.text(), 'warning: disk full\n');
  });
});

describe('reporter data', () => {
  it('streams data to the data stream, even when quiet', () => {
    const err = fakeStream(false);
    const out = fakeStream(false);
    const reporter = createReporter({ stream: err.stream, dataStream: out.stream, env: {}, quiet: true });
    reporter.data('partial');
    reporter.data(' line\n');
    assert.equal(out.text(), 'partial line\n');
    assert.equal(err.text(), '');
  });

  it('keeps a bar off a partial data line on the same terminal', () => {
    const err = fakeStream(true);
    const out = fakeStream(true);
    const reporter = createReporter({ stream: err.stream, dataStream: out.stream, env: {} });
    const bar = reporter.progress('copy', 4);
    const before = err.chunks.length;
    reporter.data('partial');
    bar.tick();
    assert.equal(err.chunks.length, before + 1); // only the clear
    reporter.data(' line\n');
    assert.match(err.chunks.at(-1)!, /^\rcopy \[/); // redrawn once the line is complete
    bar.done();
  });
});

describe('useColor', () => {
  it('needs a TTY, no NO_COLOR and a non-dumb TERM', () => {
    assert.equal(useColor({ isTTY: true }, {}), true);
    assert.equal(useColor({ isTTY: false }, {}), false);
    assert.equal(useColor({}, {}), false);
    assert.equal(useColor({ isTTY: true }, { NO_COLOR: '1' }), false);
    assert.equal(useColor({ isTTY: true }, { NO_COLOR: '' }), true);
    assert.equal(useColor({ isTTY: true }, { TERM: 'dumb' }), false);
  });

  it('honours FORCE_COLOR, below NO_COLOR', () => {
    assert.equal(useColor({ isTTY: false }, { FORCE_COLOR: '1' }), true);
    assert.equal(useColor({ isTTY: true }, { FORCE_COLOR: '0' }), false);
    assert.equal(useColor({ isTTY: true }, { FORCE_COLOR: 'false' }), false);
    assert.equal(useColor({ isTTY: false }, { FORCE_COLOR: '' }), false);
    assert.equal(useColor({ isTTY: true }, { FORCE_COLOR: '1', NO_COLOR: '1' }), false);
  });
});
