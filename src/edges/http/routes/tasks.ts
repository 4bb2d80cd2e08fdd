import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { InvalidInputError, NotFoundError } from '../../../core/errors.js';
import type { TaskPatch } from '../../../ports/store.js';
import { actorOf, principalOf } from '../auth.js';
import type { ApiContext } from '../context.js';
import { parseEventId, publicRun } from '../params.js';
import { errorResponses, TaskIdParams } from '../schemas/common.js';
import { PublicRunSchema, ReclaimResponse } from '../schemas/runs.js';
import {
  CommentBody,
  CommentSchema,
  DEFAULT_TASK_EVENTS,
  EventRowSchema,
  MAX_TASK_EVENTS,
  NewTaskBatchBody,
  NewTaskBody,
  ReclaimBody,
  TaskDetailQuery,
  TaskListQuery,
  TaskPatchBody,
  TaskSchema,
} from '../schemas/tasks.js';

const TaskResponse = Type.Object({ task: TaskSchema });

export const taskRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  const { store } = ctx;

  /** A task for a profile, created without its own max_attempts, takes the profile's. */
  function withProfileDefaults<T extends { assignee?: string | null; max_attempts?: number }>(input: T): T {
    if (input.max_attempts !== undefined || !input.assignee) return input;
    const attempts = ctx.settings.profile_max_attempts[input.assignee];
    return attempts === undefined ? input : { ...input, max_attempts: attempts };
  }

  async function existingTask(id: string) {
    const task = await store.getTask(id);
    if (!task) throw new NotFoundError(`task ${id} not found`);
    return task;
  }

  app.post(
    '/api/tasks',
    {
      config: { access: 'edit' },
      schema: {
        summary: 'Create a task',
        body: NewTaskBody,
        response: { 201: TaskResponse, ...errorResponses(400, 401, 403, 404, 409, 413) },
      },
    },
    async (request, reply) => {
      const task = await store.createTask(withProfileDefaults(request.body), actorOf(request));
      return reply.code(201).send({ task });
    },
  );

  app.post(
    '/api/tasks/batch',
    {
      config: { access: 'edit' },
      schema: {
        summary: 'Create up to 1000 tasks, all or none; a parent may be #n, the n-th task of this batch',
        body: NewTaskBatchBody,
        response: { 201: Type.Object({ tasks: Type.Array(TaskSchema) }), ...errorResponses(400, 401, 403, 404, 409, 413) },
      },
    },
    async (request, reply) => {
      const tasks = await store.createTasks(request.body.tasks.map(withProfileDefaults), actorOf(request));
      return reply.code(201).send({ tasks });
    },
  );

  app.get(
    '/api/tasks',
    {
      config: { access: 'read' },
      schema: {
        summary: 'List tasks',
        querystring: TaskListQuery,
        response: { 200: Type.Object({ tasks: Type.Array(TaskSchema) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { status, assignee, board } = request.query;
      return { tasks: await store.listTasks({ status, assignee, board }) };
    },
  );

  app.get(
    '/api/tasks/:id',
    {
      config: { access: 'read' },
      schema: {
        summary: 'One task with its runs, its newest events (a page, in id order) and comments',
        params: TaskIdParams,
        querystring: TaskDetailQuery,
        response: {
          200: Type.Object({
            task: TaskSchema,
            runs: Type.Array(PublicRunSchema),
            events: Type.Array(EventRowSchema),
            events_before_next: Type.Union([Type.Integer(), Type.Null()], {
              description: 'pass as events_before for the page of older events; null when there are none',
            }),
            comments: Type.Array(CommentSchema),
          }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const task = await existingTask(request.params.id);
      const limit = Number(request.query.events_limit ?? DEFAULT_TASK_EVENTS);
      if (limit > MAX_TASK_EVENTS) throw new InvalidInputError(`events_limit must be at most ${MAX_TASK_EVENTS}`);
      const before = request.query.events_before === undefined ? undefined : parseEventId(request.query.events_before, 'events_before');
      // One row more than asked shows whether an older page exists.
      const [runs, newest, comments] = await Promise.all([
        store.listRuns(task.id),
        store.listEvents({ task_id: task.id, before_id: before, newest_first: true, limit: limit + 1 }),
        store.listComments(task.id),
      ]);
      const page = newest.slice(0, limit).reverse();
      const eventsBeforeNext = newest.length > limit ? (page[0]?.id ?? null) : null;
      return { task, runs: runs.map(publicRun), events: page, events_before_next: eventsBeforeNext, comments };
    },
  );

  app.patch(
    '/api/tasks/:id',
    {
      config: { access: 'edit' },
      schema: {
        summary: 'Edit or move a task; moving a running task stops its run first',
        params: TaskIdParams,
        body: TaskPatchBody,
        response: { 200: TaskResponse, ...errorResponses(400, 401, 403, 404, 409, 413) },
      },
    },
    async (request) => {
      // result is any JSON; validateTaskPatch checks it is JSON indeed before anything changes.
      const patch = request.body as TaskPatch;
      return { task: await ctx.runControl.moveTask(request.params.id, patch, actorOf(request)) };
    },
  );

  app.post(
    '/api/tasks/:id/comments',
    {
      config: { access: 'edit' },
      schema: {
        summary: 'Comment on a task',
        params: TaskIdParams,
        body: CommentBody,
        response: { 201: Type.Object({ comment: CommentSchema }), ...errorResponses(400, 401, 403, 404, 413) },
      },
    },
    async (request, reply) => {
      await existingTask(request.params.id);
      const comment = await store.addComment(request.params.id, principalOf(request).name, request.body.body);
      return reply.code(201).send({ comment });
    },
  );

  app.post(
    '/api/tasks/:id/reclaim',
    {
      config: { access: 'edit', optionalBody: true },
      schema: {
        summary: 'Take a task back from the run that holds it and requeue it',
        params: TaskIdParams,
        body: ReclaimBody,
        response: { 200: ReclaimResponse, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const result = await ctx.runControl.reclaimTask(request.params.id, {
        actor: actorOf(request),
        reason: request.body.reason ?? 'reclaimed by an operator',
      });
      ctx.metrics.reclaims.inc();
      return { ok: true, task_id: result.task_id };
    },
  );
};
