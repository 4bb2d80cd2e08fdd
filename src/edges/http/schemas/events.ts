import { Type } from 'typebox';
import { BOARD_PATTERN, EVENT_ID_PATTERN } from './common.js';

export const EventsQuery = Type.Object(
  {
    board: Type.Optional(Type.String({ pattern: BOARD_PATTERN })),
    last_event_id: Type.Optional(Type.String({ pattern: EVENT_ID_PATTERN, description: 'resume after this event id' })),
  },
  { additionalProperties: false },
);

export const MAX_RECENT_EVENTS = 1000;

export const RecentEventsQuery = Type.Object(
  {
    board: Type.Optional(Type.String({ pattern: BOARD_PATTERN })),
    after_id: Type.Optional(Type.String({ pattern: EVENT_ID_PATTERN, description: 'rows after this id (default: the last `limit` ids)' })),
    limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$', description: `rows, default 50, max ${MAX_RECENT_EVENTS}` })),
  },
  { additionalProperties: false },
);
