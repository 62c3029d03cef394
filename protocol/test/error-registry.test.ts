import { describe, expect, it } from 'vitest';
import {
  ERROR_CODE_PREFIX,
  ErrorCodes,
  OutpostError,
  defineErrors,
  errorDefinition,
  isOutpostError,
  registeredErrors,
  renderErrorsDoc,
} from '../src/index.ts';

describe('the error registry', () => {
  it('makes each code from its key (and prefix) and registers its owner and meaning', () => {
    const codes = defineErrors('fleet', { REGISTRY_TEST_ONE: 'a first test code' });
    const prefixed = defineErrors('device', { TWO: 'a second test code' }, { prefix: 'REGISTRY_TEST_' });
    expect(codes.REGISTRY_TEST_ONE).toBe(`${ERROR_CODE_PREFIX}REGISTRY_TEST_ONE`);
    expect(prefixed.TWO).toBe(`${ERROR_CODE_PREFIX}REGISTRY_TEST_TWO`);
    expect(errorDefinition(prefixed.TWO)).toEqual({
      code: prefixed.TWO,
      key: 'TWO',
      owner: 'device',
      meaning: 'a second test code',
    });
    expect(registeredErrors().map((d) => d.code)).toContain(codes.REGISTRY_TEST_ONE);
    expect(Object.isFrozen(codes)).toBe(true);
  });

  it('throws on a second definition of a code, by the same owner or another, and keeps the first', () => {
    defineErrors('gateway', { REGISTRY_TEST_TWICE: 'first meaning' });
    for (const owner of ['gateway', 'trainer'] as const) {
      let thrown: unknown;
      try {
        defineErrors(owner, { REGISTRY_TEST_OTHER: 'fine', REGISTRY_TEST_TWICE: 'second meaning' });
      } catch (err) {
        thrown = err;
      }
      expect(isOutpostError(thrown, ErrorCodes.ERROR_DEFINED_TWICE)).toBe(true);
      expect((thrown as OutpostError).details).toMatchObject({ first: 'gateway', second: owner });
    }
    // Nothing of a refused call is registered.
    expect(registeredErrors().some((d) => d.key === 'REGISTRY_TEST_OTHER')).toBe(false);
    expect(errorDefinition(`${ERROR_CODE_PREFIX}REGISTRY_TEST_TWICE`)?.meaning).toBe('first meaning');
  });

  it('a protocol code cannot be defined again by a tier', () => {
    expect(() => defineErrors('fleet', { TOPIC_MISMATCH: 'the fleet meaning' })).toThrow(
      expect.objectContaining({ code: ErrorCodes.ERROR_DEFINED_TWICE }),
    );
  });

  it('refuses keys that are not UPPER_SNAKE_CASE and empty meanings', () => {
    const bad: Record<string, string>[] = [{ lower: 'x' }, { 'A-B': 'x' }, { REGISTRY_TEST_EMPTY: ' ' }];
    for (const defs of bad)
      expect(() => defineErrors('cli', defs)).toThrow(
        expect.objectContaining({ code: ErrorCodes.ERROR_DEFINITION_INVALID }),
      );
  });

  it('renders one table per owner, codes sorted, pipes escaped', () => {
    const doc = renderErrorsDoc([
      { code: 'B_CODE', key: 'B_CODE', owner: 'fleet', meaning: 'b | c' },
      { code: 'A_CODE', key: 'A_CODE', owner: 'fleet', meaning: 'a' },
      { code: 'P_CODE', key: 'P_CODE', owner: 'protocol', meaning: 'p' },
    ]);
    expect(doc).toContain('## Protocol (every tier)\n\n| code | meaning |\n| --- | --- |\n| `P_CODE` | p |\n');
    expect(doc).toContain('## Fleet\n\n| code | meaning |\n| --- | --- |\n| `A_CODE` | a |\n| `B_CODE` | b \\| c |\n');
    expect(doc).not.toContain('## Gateway');
  });
});
