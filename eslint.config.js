// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Layers above the core: src/core may import none of them (DESIGN.md, "the pure core"). */
const upperLayers = [
  'sim',
  'lab',
  'storage',
  'transport',
  'node',
  'kv',
  'check',
  'service',
  'dashboard',
  'cli',
  'client',
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'eslint.config.js'] },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // node:test's describe/test return promises that the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'test', 'it'] },
          ],
        },
      ],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'bin/**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
  },
  {
    // The key/value state machine is pure like the core: the lab servers and the real service share it, so it
    // knows no world (no Node API, no other layer, not even its own lab adapters), no clock and no randomness.
    files: ['src/kv/*.ts'],
    ignores: ['src/kv/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^node:', message: 'src/kv (the state machine) must not touch Node APIs: it is pure.' },
            { regex: '^\\.\\./', message: 'src/kv (the state machine) imports no other layer.' },
            { regex: '^\\./lab(/|$)', message: 'the state machine must not depend on its lab adapters.' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'Date', message: 'the state machine never reads the clock.' },
        { name: 'performance', message: 'the state machine never reads the clock.' },
        { name: 'process', message: 'the state machine does no I/O.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'the state machine is deterministic.' },
      ],
    },
  },
  {
    // The etcd-style state machine is pure too: it may use src/kv's pure helpers (codec, CRC), and nothing else.
    files: ['src/kv/etcd/*.ts'],
    ignores: ['src/kv/etcd/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^node:',
              message: 'src/kv/etcd (the state machine) must not touch Node APIs: it is pure.',
            },
            { regex: '^\\.\\./\\.\\./', message: 'src/kv/etcd imports nothing outside src/kv.' },
            { regex: '^\\.\\./lab(/|$)', message: 'the state machine must not depend on the lab adapters.' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'Date', message: 'the state machine never reads the clock.' },
        { name: 'performance', message: 'the state machine never reads the clock.' },
        { name: 'process', message: 'the state machine does no I/O.' },
        { name: 'Buffer', message: 'the state machine uses Uint8Array, not Node Buffers.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'the state machine is deterministic.' },
      ],
    },
  },
  {
    // Storage sits just above the core: it may use the core's types, and no layer above it (DESIGN.md, "Layers").
    files: ['src/storage/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: upperLayers
            .filter((layer) => layer !== 'storage')
            .map((layer) => ({
              regex: `^\\.\\./${layer}(/|$)`,
              message: `src/storage must not import the ${layer} layer: it depends on the core alone.`,
            })),
        },
      ],
    },
  },
  {
    // The core is a pure, deterministic state machine: no I/O, no clock, no timers, no ambient randomness.
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^node:', message: 'src/core must not touch Node APIs: it is pure.' },
            ...upperLayers.map((layer) => ({
              regex: `^\\.\\./${layer}(/|$)`,
              message: `src/core must not import the ${layer} layer: dependencies point down to the core.`,
            })),
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'Date', message: 'src/core never reads the clock: time arrives as tick() calls.' },
        { name: 'performance', message: 'src/core never reads the clock.' },
        { name: 'setTimeout', message: 'src/core sets no timers.' },
        { name: 'setInterval', message: 'src/core sets no timers.' },
        { name: 'setImmediate', message: 'src/core sets no timers.' },
        { name: 'queueMicrotask', message: 'src/core schedules nothing.' },
        { name: 'process', message: 'src/core does no I/O.' },
        { name: 'require', message: 'src/core imports nothing dynamic.' },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Math',
          property: 'random',
          message: 'Randomness comes from the injected seeded generator.',
        },
      ],
    },
  },
  {
    // The transport sits just above the core: it may import the core and nothing else of raft-ts (the storage
    // layer reuses its codec, so the reverse would be a cycle).
    files: ['src/transport/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: upperLayers
            .filter((layer) => layer !== 'transport')
            .map((layer) => ({
              regex: `^\\.\\./${layer}(/|$)`,
              message: `src/transport may import only src/core, not the ${layer} layer.`,
            })),
        },
      ],
    },
  },
  {
    // The member drives the core with storage and transport; nothing above it (kv, cli) may leak down into it.
    files: ['src/node/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: upperLayers
            .filter((layer) => !['node', 'storage', 'transport'].includes(layer))
            .map((layer) => ({
              regex: `^\\.\\./${layer}(/|$)`,
              message: `src/node may import src/core, src/storage and src/transport, not the ${layer} layer.`,
            })),
        },
      ],
    },
  },
  {
    // The key-value service sits on the member and the state machine; the command line sits on it. (Its tests
    // build members from storage and transport parts.)
    files: ['src/service/**/*.ts'],
    ignores: ['src/service/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: upperLayers
            .filter((layer) => !['node', 'kv', 'service', 'dashboard'].includes(layer))
            .map((layer) => ({
              regex: `^\\.\\./${layer}(/|$)`,
              message: `src/service may import src/core, src/kv, src/node and src/dashboard (its page), not the ${layer} layer.`,
            })),
        },
      ],
    },
  },
  {
    // The command line is the top: it reaches the runtime through src/node and src/service's public surfaces alone.
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...upperLayers
              .filter((layer) => !['node', 'service', 'cli', 'client'].includes(layer))
              .map((layer) => ({
                regex: `^\\.\\./${layer}(/|$)`,
                message: `src/cli may import only src/node, src/service and src/client, not the ${layer} layer.`,
              })),
            {
              regex: '^\\.\\./core(/|$)',
              message: 'src/cli may import only src/node, src/service and src/client, not the core.',
            },
          ],
        },
      ],
    },
  },
  {
    // The client is what applications embed: it speaks HTTP to the service and carries no server code.
    files: ['src/client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...upperLayers.map((layer) => ({
              regex: `^\\.\\./${layer}(/|$)`,
              message: `src/client stands alone: it must not import the ${layer} layer.`,
            })),
            { regex: '^\\.\\./core(/|$)', message: 'src/client stands alone: it must not import the core.' },
          ],
        },
      ],
    },
  },
);
