import { Type } from 'typebox';
import { BOARD_PATTERN, EVENT_ID_PATTERN } from './common.js';

export const EventsQuery = Type.Object(
  {
    board: Type.Optional(Type.String({ pattern: BOARD_PATTERN })),
    last_event_id: Type.Optional(Type.String({ pattern: EVENT_ID_PATTERN, description: 'resume after this event id' })),
  },
  { additionalProperties: false },
);
