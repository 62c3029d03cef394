// typescript-eslint with type information, so `no-floating-promises` can see unawaited promises —
// the classic bug in MQTT and server code.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'firmware-models/**', 'coverage/**', '.outpost/**', '.scratch/**', 'runs/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-console': 'error',
    },
  },
  {
    // CLIs, benchmarks and scripts print; library code logs through the injected logger.
    files: ['bin/**', 'bench/**', 'stack/commands.ts', '**/src/cli/**'],
    rules: { 'no-console': 'off' },
  },
);
