// Our SHA-256 (the project's hashed names are made with it) against node:crypto's, across block edges.
import { createHash } from 'node:crypto';
import { expect, test } from 'vitest';
import { sha256Hex } from '../../src/util/sha256.js';

const theirs = (s: string) => createHash('sha256').update(s).digest('hex');

test('the digests of the standard examples', () => {
  expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  );
});

test('the same digest as node:crypto for every length around the block edges, and for non-ASCII paths', () => {
  const texts: string[] = [];
  for (let n = 0; n <= 200; n++) texts.push('p'.repeat(n));
  texts.push('/home/ö/プロジェクト/😀 app', '\u0000x', 'x'.repeat(70000));
  // Pseudo-random text from a fixed seed: every run checks the same inputs.
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) >>> 0);
  for (let i = 0; i < 200; i++)
    texts.push(String.fromCharCode(...Array.from({ length: next() % 300 }, () => next() % 0xd7ff)));
  for (const t of texts) expect(sha256Hex(t), `length ${t.length}`).toBe(theirs(t));
});

test('bytes as they are (a .env is hashed as read), the same digest as node:crypto', () => {
  const bytes = Buffer.from([0, 0xff, 0xc3, 0x28, 0x0a, ...Buffer.from('KEY=välue\n')]);
  expect(sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
  const big = Buffer.alloc(100_003, 7);
  expect(sha256Hex(big)).toBe(createHash('sha256').update(big).digest('hex'));
});
