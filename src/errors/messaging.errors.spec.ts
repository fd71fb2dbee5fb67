import { ServerTCP } from '@nestjs/microservices';
import { describePattern } from './messaging.errors';

/** Nest's own route of a pattern (its normalizePattern is protected: exposed by a subclass). */
class RouteOf extends ServerTCP {
  route(pattern: unknown): string {
    return this.normalizePattern(pattern as never);
  }
}

describe('describePattern: a pattern named as Nest routes it', () => {
  it('sorts the keys of an object pattern, so that one pattern has one name', () => {
    expect(describePattern({ v: 2, cmd: 'x' })).toBe('{"cmd":"x","v":2}');
    expect(describePattern({ cmd: 'x', v: 2 })).toBe('{"cmd":"x","v":2}');
    expect(describePattern({ b: { d: 1, c: 'q"uote' }, a: 'back\\slash' })).toBe('{"a":"back\\\\slash","b":{"c":"q\\"uote","d":1}}');
  });

  it.each([
    [{ cmd: 'x' }],
    [{ v: 2, cmd: 'x' }],
    [{ z: { y: [1, 'two'], x: null }, a: 1.5 }],
    [{ role: 'user', cmd: 'get', version: 3, nested: { b: true, a: 'é' } }],
  ])('names %j as Nest routes it', (pattern) => {
    expect(describePattern(pattern)).toBe(new RouteOf({}).route(pattern));
  });

  it('leaves a string pattern as it is', () => {
    expect(describePattern('user.created')).toBe('user.created');
    expect(describePattern(undefined)).toBe('(none)');
  });
});
