import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineEvent, defineFunction, eventToWire, functionToWire } from '../../../src/main/mesh';

describe('function declarations → reference capabilities JSON', () => {
  it('derives {type:object, properties, required} with descriptions, defaults, ranges and enums', () => {
    const fn = defineFunction({
      name: 'look_at_world',
      description: 'Point the head.',
      params: z.object({
        pitch: z.number().min(-30).max(30).describe('Pitch in degrees'),
        duration_s: z.number().min(0).max(30).default(0),
        frame: z.enum(['world', 'body']).default('world'),
        note: z.string().nullable().optional(),
        steps: z.number().int().optional(),
        tags: z.array(z.string()).optional(),
      }),
      handler: () => null,
    });
    expect(functionToWire(fn)).toEqual({
      name: 'look_at_world',
      description: 'Point the head.',
      parameters: {
        type: 'object',
        properties: {
          pitch: { type: 'number', minimum: -30, maximum: 30, description: 'Pitch in degrees' },
          duration_s: { type: 'number', minimum: 0, maximum: 30, default: 0 },
          frame: { type: 'string', enum: ['world', 'body'], default: 'world' },
          note: { type: 'string' },
          steps: { type: 'integer' },
          tags: { type: 'array', items: { type: 'string' } },
        },
        required: ['pitch'],
      },
      labels: null,
      tags: [],
    });
  });

  it('keeps required present when empty, and labels', () => {
    const fn = defineFunction({ name: 'get_status', description: 'x', labels: { direction: 'read' }, params: z.object({}), handler: () => 1 });
    expect(functionToWire(fn)).toEqual({
      name: 'get_status',
      description: 'x',
      parameters: { type: 'object', properties: {}, required: [] },
      labels: { direction: 'read' },
      tags: [],
    });
    const wire = JSON.stringify(functionToWire(fn));
    expect(wire).not.toContain('$schema');
    expect(wire).not.toContain('additionalProperties');
  });

  it('events: payload schema or null; bad names are refused', () => {
    expect(eventToWire(defineEvent({ name: 'state_event', description: 'State.' }))).toEqual({
      name: 'state_event',
      description: 'State.',
      payload_schema: null,
      labels: null,
      tags: [],
    });
    expect(eventToWire(defineEvent({ name: 'alert', description: '', payload: z.object({ level: z.string() }) })).payload_schema).toEqual({
      type: 'object',
      properties: { level: { type: 'string' } },
      required: ['level'],
    });
    expect(() => defineEvent({ name: 'bad.name', description: '' })).toThrow(/must match/);
    expect(() => defineFunction({ name: 'has space', description: '', params: z.object({}), handler: () => 1 })).toThrow(/must match/);
    expect(() => defineFunction({ name: 'notobj', description: '', params: z.string(), handler: () => 1 })).toThrow(/zod object/);
  });
});
