import { describe, expect, it } from 'vitest';
import {
  endRunForExit,
  EXITED_WHILE_ADOPTED,
  exitStatusOf,
} from '../../src/services/dispatcher/exit-outcome.js';
import { childEnvironment } from '../../src/services/dispatcher/child-env.js';

describe('how an exit closes a run', () => {
  it('maps exit 0, non-zero, signals and unknown exits', () => {
    expect(endRunForExit(exitStatusOf(0, null))).toMatchObject({ outcome: 'completed', exit_code: 0 });
    expect(endRunForExit(exitStatusOf(2, null))).toMatchObject({ outcome: 'failed', exit_code: 2, error: 'worker exited with code 2' });
    expect(endRunForExit(exitStatusOf(null, 'SIGKILL'))).toMatchObject({ outcome: 'crashed', exit_code: 137, error: 'killed by SIGKILL' });
    expect(endRunForExit(exitStatusOf(null, 'SIGTERM'))).toMatchObject({ exit_code: 143, error: 'killed by SIGTERM' });
    expect(endRunForExit({ kind: 'unknown' })).toMatchObject({ outcome: 'crashed', exit_code: null, error: EXITED_WHILE_ADOPTED });
  });
});

describe('the environment of a worker process', () => {
  const run = {
    url: 'http://h:1',
    token: 'pb_x',
    runId: 7,
    claimToken: 'c',
    taskId: 't_00000000',
    taskTitle: 'title',
    taskBody: 'body',
    board: 'default',
    profile: 'p',
  };

  it('drops the server’s PULSEBOARD_* variables and lets the run’s own win over the profile’s', () => {
    const env = childEnvironment(
      { PATH: '/bin', PULSEBOARD_TOKEN: 'admin-secret', PULSEBOARD_HOME: '/srv', UNSET: undefined },
      { PULSEBOARD_RUN_ID: 'spoofed', EXTRA: '1' },
      run,
    );
    expect(env).toMatchObject({ PATH: '/bin', EXTRA: '1', PULSEBOARD_TOKEN: 'pb_x', PULSEBOARD_RUN_ID: '7' });
    expect(env.PULSEBOARD_HOME).toBeUndefined();
    expect('UNSET' in env).toBe(false);
  });
});
