import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkOperations } from './check.js';
import { kvModel, type KvInput, type KvOutput } from './kv-model.js';
import type { Operation } from './model.js';
import { renderViolationHtml } from './violation-html.js';
import { formatViolation } from './violation-text.js';

const op = (
  clientId: number,
  call: number,
  ret: number,
  input: KvInput,
  value = '',
): Operation<KvInput, KvOutput> => ({
  clientId,
  input,
  call,
  output: { value },
  return: ret,
});

// A stale read on key "x" (client 2 misses client 0's put), and a fine key "y".
const history = [
  op(0, 0, 2, { op: 'put', key: 'x', value: '<script>alert(1)</script>' }),
  op(1, 1, 3, { op: 'get', key: 'x' }, '<script>alert(1)</script>'),
  op(2, 4, 5, { op: 'get', key: 'x' }, ''),
  op(3, 0, 9, { op: 'append', key: 'y', value: 'a' }),
  op(3, 10, Number.POSITIVE_INFINITY, { op: 'append', key: 'y', value: 'b' }),
];

describe('renderViolationHtml', () => {
  const result = checkOperations(kvModel, history);
  const html = renderViolationHtml(result, kvModel);

  test('is one self-contained page: inline style and script, nothing fetched', () => {
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<style>/);
    assert.doesNotMatch(html, /<link\b|\bsrc=|https?:\/\//);
  });

  test('shows every partition, the failing one first, with the blocked operation marked', () => {
    assert.match(html, /<h1 class="illegal">Not linearizable<\/h1>/);
    assert.ok(html.indexOf('id="p0"') < html.indexOf('id="p1"'));
    assert.equal((html.match(/class="bar blocked"/g) ?? []).length, 1);
    assert.equal((html.match(/class="bar prefix"/g) ?? []).length, 2);
    assert.match(html, /key &#34;y&#34;: linearizable/);
    // The operation that never returned is drawn open-ended.
    assert.equal((html.match(/class="bar open"/g) ?? []).length, 1);
  });

  test('lists the states tried, with the linearization reaching each for the script to draw', () => {
    assert.match(html, /<h3>States tried<\/h3>/);
    const paths = /<script type="application\/json" class="paths">(.*?)<\/script>/.exec(html)?.[1];
    assert.ok(paths !== undefined);
    const parsed = JSON.parse(paths) as [number, number, number][][];
    assert.deepEqual(
      parsed.map((path) => path.map(([opIndex]) => opIndex)),
      [[0, 1]],
    );
  });

  test('escapes what the history says: a value cannot inject markup', () => {
    assert.doesNotMatch(html, /<script>alert/);
    assert.match(html, /&#60;script&#62;alert\(1\)&#60;\/script&#62;/);
  });
});

describe('formatViolation', () => {
  test('names the blocked operation, the prefix and the states tried', () => {
    const text = formatViolation(checkOperations(kvModel, history), kvModel);
    assert.match(text, /^verdict: illegal \(2 partitions: 1 ok, 1 illegal, 0 unknown\)/);
    assert.match(
      text,
      /key "x": not linearizable\. The smallest prefix that cannot be linearized has 3 operations/,
    );
    assert.match(text, /✗ \[4, 5\] client 2: get\("x"\) -> ""/);
    assert.match(
      text,
      /"<script>alert\(1\)<\/script>" {2}after \[put\("x", "<script>alert\(1\)<\/script>"\), get/,
    );
  });
});
