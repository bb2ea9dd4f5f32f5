import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppendEntries, Message } from '../core/index.js';
import { AppendCoalescer, EMPTY_APPEND_HOLD_MS } from './append-coalescer.js';

const append = (to: number, leaderCommit: number, entries = 0, term = 2): AppendEntries => ({
  type: 'AppendEntries',
  term,
  from: 1,
  to,
  prevLogIndex: 10,
  prevLogTerm: 2,
  entries: Array.from({ length: entries }, (_, k) => ({ index: 11 + k, term, command: null })),
  leaderCommit,
});
const heartbeat = (to: number): Message => ({
  type: 'Heartbeat',
  term: 2,
  from: 1,
  to,
  commit: 9,
  readRound: 0,
});

function coalescer(): { c: AppendCoalescer; sent: Message[] } {
  const sent: Message[] = [];
  return { c: new AppendCoalescer((m) => sent.push(m)), sent };
}

describe('AppendCoalescer', () => {
  it('drops an empty append that a fuller one to the same follower supersedes', () => {
    const { c, sent } = coalescer();
    c.send(append(2, 5));
    assert.deepEqual(sent, [], 'held');
    const full = append(2, 6, 3);
    c.send(full);
    assert.deepEqual(sent, [full]);
    c.clear();
  });

  it('keeps order: a held append leaves before any other message to its follower', () => {
    const { c, sent } = coalescer();
    const empty = append(2, 5);
    c.send(empty);
    c.send(heartbeat(2));
    assert.deepEqual(sent, [empty, heartbeat(2)]);
    // An append of another term, or with an older commit index, does not supersede it either.
    const { c: c2, sent: sent2 } = coalescer();
    const older = append(3, 5);
    c2.send(older);
    const otherTerm = append(3, 6, 1, 3);
    c2.send(otherTerm);
    assert.deepEqual(sent2, [older, otherTerm]);
    c.clear();
    c2.clear();
  });

  it('holds per follower, and releases what was held once the hold ends', async () => {
    const { c, sent } = coalescer();
    const toTwo = append(2, 5);
    const toThree = append(3, 5);
    c.send(toTwo);
    c.send(toThree);
    c.send(heartbeat(4));
    assert.deepEqual(sent, [heartbeat(4)]);
    const deadline = Date.now() + 2_000;
    while (sent.length < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, EMPTY_APPEND_HOLD_MS));
    }
    assert.deepEqual(sent, [heartbeat(4), toTwo, toThree]);
  });

  it('a later empty append replaces an earlier one; clear drops what is held', async () => {
    const { c, sent } = coalescer();
    c.send(append(2, 5));
    const later = append(2, 7);
    c.send(later);
    const deadline = Date.now() + 2_000;
    while (sent.length < 1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, EMPTY_APPEND_HOLD_MS));
    }
    assert.deepEqual(sent, [later]);
    c.send(append(3, 8));
    c.clear();
    await new Promise((resolve) => setTimeout(resolve, 5 * EMPTY_APPEND_HOLD_MS));
    assert.deepEqual(sent, [later], 'nothing leaves after clear');
  });
});
