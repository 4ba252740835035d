// Probe answers remembered between runs are trusted only while nothing they depend on changed:
// given a remembered record, when a stamped file changes, a command is found elsewhere on PATH, or
// the environment differs, then the record is not recalled.
import { mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probeCacheFile, recall, remember, stamp, which } from '../../src/engine/probe-cache.js';
import { tempDir } from '../helpers/env.js';

describe('probe cache', () => {
  const saved = { ...process.env };
  let dir: string;
  let tool: string;

  beforeEach(() => {
    dir = tempDir('probe-cache');
    process.env.XDG_CACHE_HOME = join(dir, 'cache');
    mkdirSync(join(dir, 'bin'));
    tool = join(dir, 'bin', 'tool');
    writeFileSync(tool, '#!/bin/sh\n', { mode: 0o755 });
    process.env.PATH = `${join(dir, 'bin')}:${saved.PATH}`;
    remember({ found: { tool: which('tool') }, stamps: { [tool]: stamp(tool) }, results: { 'tool --version': 'v1' } });
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('recalls what nothing has changed since', () => {
    expect(recall()?.results).toEqual({ 'tool --version': 'v1' });
  });

  it('forgets when a program the answer came from changed', () => {
    utimesSync(tool, new Date(), new Date(Date.now() + 5000));
    expect(recall()).toBeUndefined();
  });

  it('forgets when the command is found elsewhere on PATH', () => {
    mkdirSync(join(dir, 'first'));
    writeFileSync(join(dir, 'first', 'tool'), '#!/bin/sh\n', { mode: 0o755 });
    process.env.PATH = `${join(dir, 'first')}:${process.env.PATH}`;
    expect(recall()).toBeUndefined();
  });

  it('forgets when the environment that picks an interpreter changed', () => {
    process.env.PYENV_VERSION = '3.12.1';
    expect(recall()).toBeUndefined();
  });

  it('does not write the same answers again (in another order), and writes changed ones', () => {
    const written = () => statSync(probeCacheFile()).ino;
    const before = written();
    remember({ results: { 'tool --version': 'v1' }, stamps: { [tool]: stamp(tool) }, found: { tool: which('tool') } });
    expect(written()).toBe(before);
    remember({ found: { tool: which('tool') }, stamps: { [tool]: stamp(tool) }, results: { 'tool --version': 'v2' } });
    expect(written()).not.toBe(before);
    expect(recall()?.results).toEqual({ 'tool --version': 'v2' });
  });

  it('finds nothing to recall in a damaged file, and does not throw', () => {
    writeFileSync(join(dir, 'cache', 'gateway-tutor', 'probes.json'), '{not json');
    expect(recall()).toBeUndefined();
  });
});
