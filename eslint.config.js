import neostandard from 'neostandard'
import tseslint from 'typescript-eslint'

// Imports point downward only (docs/architecture.md): each folder lists what it may not import.
const layerRule = (files, forbidden) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', {
      patterns: forbidden.map((folder) => ({ group: [`**/${folder}/*`, `**/${folder}`], message: `layer rule: ${files[0]} may not import ${folder}` }))
    }]
  }
})

export default [
  ...neostandard({ ts: true, ignores: ['node_modules/**', 'dist/**', 'data/**', 'bench/harness/**'] }),
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after'] }]
      }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error'
    }
  },
  layerRule(['src/model/**'], ['core', 'store', 'sessions', 'analytics', 'cluster', 'admin', 'gateway', 'cli', 'config']),
  layerRule(['src/core/**'], ['store', 'sessions', 'analytics', 'cluster', 'admin', 'gateway', 'cli', 'config']),
  layerRule(['src/store/**'], ['sessions', 'analytics', 'cluster', 'admin', 'gateway', 'cli']),
  layerRule(['src/sessions/**', 'src/analytics/**', 'src/cluster/**'], ['admin', 'gateway', 'cli']),
  layerRule(['src/admin/**', 'src/gateway/**'], ['cli'])
]
