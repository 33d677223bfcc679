import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

// Runtime-independent library code may use only what every WebCrypto runtime has; node:crypto and
// Node globals are confined to the node backend (runtime/node), which this config enforces.
const portableGlobals = {
  crypto: 'readonly',
  TextEncoder: 'readonly',
  TextDecoder: 'readonly',
  DOMException: 'readonly',
}

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
      'no-var': 'error',
      'prefer-const': 'error',
    },
  },
  {
    // The debugger page and what it bundles run in the browser: no Node built-ins or globals.
    files: ['packages/debugger/src/page/**/*.ts', 'packages/debugger/src/inspect/**/*.ts'],
    languageOptions: { globals: globals.browser },
    rules: {
      'no-restricted-globals': ['error', 'Buffer', 'process', 'require', '__dirname', 'setImmediate'],
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*'], message: 'the debugger page runs in the browser' }] }],
    },
  },
  {
    files: ['packages/jot/src/**/*.ts'],
    ignores: ['packages/jot/src/runtime/node/**'],
    languageOptions: { globals: { ...portableGlobals } },
    rules: {
      'no-restricted-globals': ['error', 'Buffer', 'process', 'require', '__dirname', 'setImmediate'],
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*'], message: 'only runtime/node may use Node built-ins' }] }],
    },
  },
  {
    // The guard's core and the Hono adapter run on edge runtimes too: Web APIs only. Node built-ins
    // are for the adapters of Node frameworks (Express, Fastify).
    files: ['packages/guard/src/**/*.ts'],
    ignores: ['packages/guard/src/adapters/node.ts', 'packages/guard/src/adapters/express.ts', 'packages/guard/src/adapters/fastify.ts'],
    languageOptions: { globals: { ...portableGlobals, fetch: 'readonly', Response: 'readonly', Headers: 'readonly', URLSearchParams: 'readonly', AbortSignal: 'readonly', btoa: 'readonly' } },
    rules: {
      'no-restricted-globals': ['error', 'Buffer', 'process', 'require', '__dirname', 'setImmediate'],
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*'], message: 'the guard core runs on edge runtimes: Web APIs only' }] }],
    },
  },
)
