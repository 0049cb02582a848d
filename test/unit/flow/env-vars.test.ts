import { describe, expect, it } from 'vitest';
import { substituteEnvVars } from '../../../agent/flow/env-vars.js';
import { loadFlowText } from '../../../agent/flow/load.js';

describe('environment variables in flow files', () => {
  it('substitutes ${NAME}, ${NAME:-default} and $$, and leaves comment lines alone', () => {
    const env = { PORT: '/dev/ttyACM0' };
    const { text, problems } = substituteEnvVars('path: ${PORT}\nbaud: ${BAUD:-4800}\nprice: $$5\n# ${UNSET} in a comment\n', 'f.yaml', env);
    expect(problems).toEqual([]);
    expect(text).toBe('path: /dev/ttyACM0\nbaud: 4800\nprice: $5\n# ${UNSET} in a comment\n');
  });

  it('reports an unset variable without default at its line and column', () => {
    const { problems } = substituteEnvVars('a: 1\nb: x ${MISSING_VAR}\n', 'f.yaml', {});
    expect(problems).toEqual([{ file: 'f.yaml', line: 2, column: 6, path: '', message: expect.stringContaining('MISSING_VAR is not set') }]);
  });

  it('refuses a value with a line break', () => {
    const { problems } = substituteEnvVars('a: ${EVIL}\n', 'f.yaml', { EVIL: 'x\ninjected: true' });
    expect(problems[0]!.message).toMatch(/line break/);
  });

  it('applies in loadFlowText, and an unset variable makes the flow invalid', () => {
    process.env.TRIBUTARY_TEST_DATA_DIR = '/tmp/tributary-env-test';
    const flow = loadFlowText('agent: { id: a, data_dir: "${TRIBUTARY_TEST_DATA_DIR}" }\nsources: { g: { type: generate } }\nbuffer: { inputs: [g] }\n', 'env.yaml');
    expect(flow.agent.data_dir).toBe('/tmp/tributary-env-test');
    expect(() => loadFlowText('agent: { id: a, data_dir: "${TRIBUTARY_NOT_SET_ANYWHERE}" }\n', 'env.yaml')).toThrow(/env.yaml:1:28: environment variable TRIBUTARY_NOT_SET_ANYWHERE is not set/);
  });
});
