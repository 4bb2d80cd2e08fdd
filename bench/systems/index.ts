import type { SystemFactory } from './types.js';
import { graphileBatched, graphileDefault } from './graphile.js';
import { pgBoss } from './pgboss.js';
import { bullmqPostgres, bullmqRedis } from './bullmq.js';
import { pulseboardSqlite } from './pulseboard-sqlite.js';
import { pulseboardHttp } from './pulseboard-http.js';
import { pulseboardPg } from './pulseboard-pg.js';

export const PULSEBOARD_SYSTEMS: SystemFactory[] = [pulseboardSqlite, pulseboardHttp, pulseboardPg];
export const PEER_SYSTEMS: SystemFactory[] = [graphileDefault, graphileBatched, pgBoss, bullmqRedis, bullmqPostgres];

export function allSystems(): SystemFactory[] {
  return [...PULSEBOARD_SYSTEMS, ...PEER_SYSTEMS];
}

export function findSystem(name: string): SystemFactory | undefined {
  return allSystems().find((s) => s.name === name);
}
