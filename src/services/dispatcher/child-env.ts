export interface RunEnvironment {
  url: string;
  token: string;
  runId: number;
  claimToken: string;
  taskId: string;
  taskTitle: string;
  taskBody: string;
  board: string;
  profile: string;
}

/**
 * The child's environment: the server's own minus every PULSEBOARD_* variable (the server may hold
 * an admin token or database URL there), then the profile's env, then the run's own variables.
 * Task text travels only here, never through a shell or argv.
 */
export function childEnvironment(
  inherited: NodeJS.ProcessEnv,
  profileEnv: Record<string, string> | undefined,
  run: RunEnvironment,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(inherited)) {
    if (value !== undefined && !key.startsWith('PULSEBOARD_')) env[key] = value;
  }
  Object.assign(env, profileEnv ?? {});
  env.PULSEBOARD_URL = run.url;
  env.PULSEBOARD_TOKEN = run.token;
  env.PULSEBOARD_RUN_ID = String(run.runId);
  env.PULSEBOARD_CLAIM_TOKEN = run.claimToken;
  env.PULSEBOARD_TASK_ID = run.taskId;
  env.PULSEBOARD_TASK_TITLE = run.taskTitle;
  env.PULSEBOARD_TASK_BODY = run.taskBody;
  env.PULSEBOARD_BOARD = run.board;
  env.PULSEBOARD_PROFILE = run.profile;
  return env;
}
