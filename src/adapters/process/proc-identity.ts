import type { ProcessIdentity } from '../../ports/process-inspector.js';
import { localHostName, readProcessStartTime } from './proc-inspector.js';

export const procIdentity: ProcessIdentity = {
  hostName: localHostName,
  startTime: (pid) => readProcessStartTime(pid),
};
