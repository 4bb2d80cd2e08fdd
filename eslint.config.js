import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.pulseboard/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  ...layerRules(),
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);

/**
 * The layers (core → ports → adapters → services → edges) as import rules: each layer names what it
 * must not reach. Specifiers are relative, so a folder is matched after any run of `../`.
 */
function layerRules() {
  const up = '^(\\.\\./)+';
  const drivers = { regex: '^(fastify|@fastify/.*|better-sqlite3|pg|@nats-io/.*|prom-client|commander)$', message: 'drivers and frameworks belong to adapters and edges' };
  const composition = { regex: `${up}(server|index|store-transport)\\.js$`, message: 'the composition roots import the layers, not the other way round' };
  const folders = (names, message) => ({ regex: `${up}(${names.join('|')})/`, message });
  const rule = (files, patterns) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } });
  return [
    rule(['src/core/**/*.ts'], [
      { regex: '^\\.\\./', message: 'core imports nothing outside core' },
      { regex: '^(?!\\.|node:crypto$)', message: 'core is pure: no I/O modules, no packages' },
    ]),
    rule(['src/ports/**/*.ts'], [
      { regex: '^\\.\\./(?!core/)', message: 'ports import only core' },
      { regex: '^(?!\\.)', message: 'ports are interfaces: no packages' },
    ]),
    rule(['src/adapters/**/*.ts'], [folders(['services', 'edges', 'sdk', 'config', 'entries'], 'adapters implement ports over core'), composition]),
    rule(['src/services/**/*.ts'], [folders(['adapters', 'edges', 'sdk', 'config', 'entries'], 'services use core and ports; adapters are passed in'), composition, drivers]),
    rule(['src/sdk/**/*.ts'], [
      folders(['adapters', 'edges', 'config', 'entries'], 'the SDK uses core and ports; adapters are passed in'),
      { regex: `${up}services/(?!(claim-waiters|completion-batcher|heartbeat-publisher)\\.js$)`, message: 'the SDK uses only the services that need no I/O of their own' },
      composition,
      drivers,
    ]),
    rule(['src/edges/**/*.ts'], [folders(['adapters', 'entries'], 'edges get adapters from the composition root (src/server.ts)')]),
  ];
}
