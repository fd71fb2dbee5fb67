import { Logger } from '@nestjs/common';
import { plainToInstance, Transform, Type } from 'class-transformer';
import { IsInt, IsString, registerDecorator, validate, ValidateNested } from 'class-validator';
import { toDto } from '../contract-codec';
import type { ContractViolationError } from '../contract.errors';
import { classCodecOf } from './class-codec';

const lines: string[] = [];
jest.spyOn(Logger.prototype, 'debug').mockImplementation((message: unknown) => void lines.push(String(message)));

class SetHolder {
  // A Set is not something the plan validates: it hands the class to class-validator at run time.
  @Transform(({ value }: { value: unknown }) => (Array.isArray(value) ? new Set(value) : value)) @IsString({ each: true }) tags!: Set<string>;
}

function IsLaterChecked(): PropertyDecorator {
  return (object, propertyName) =>
    registerDecorator({
      name: 'isLaterChecked',
      target: object.constructor,
      propertyName: propertyName as string,
      // Declared synchronous, returns a promise: class-validator awaits it anyway.
      validator: { validate: (value: unknown) => Promise.resolve(value === 'ok'), defaultMessage: () => '$property is not ok' },
    });
}

class PromiseReturner {
  @IsLaterChecked() word!: string;
}

class Inner {
  @IsInt() n!: number;
}
class Outer {
  @ValidateNested() @Type(() => Inner) inner!: Inner;
}

async function issuesOf(run: Promise<unknown>): Promise<unknown> {
  return ((await run.catch((e: unknown) => e)) as ContractViolationError).details?.issues;
}

describe('class codec', () => {
  it('decides once per class and logs the decision at debug level', () => {
    expect(classCodecOf(Outer)).toBe(classCodecOf(Outer));
    expect(lines.filter((l) => l.startsWith('Outer: '))).toEqual(['Outer: transformation and validation by plan']);
  });

  it('hands a class to class-validator when the plan meets a Set, with the same result', async () => {
    expect(classCodecOf(SetHolder).validation).toBeDefined();
    const issues = await issuesOf(toDto(SetHolder, { tags: ['a', 1] }, 1));
    expect(issues).toEqual([{ path: 'tags', constraints: { isString: 'each value in tags must be a string' } }]);
    const errors = await validate(plainToInstance(SetHolder, { tags: ['a', 1] }), { whitelist: true, forbidUnknownValues: true });
    expect(errors[0]!.constraints).toEqual({ isString: 'each value in tags must be a string' });
    expect(classCodecOf(SetHolder).validation).toBeUndefined();
    expect(lines).toContainEqual(expect.stringMatching(/^SetHolder: .*validation by class-validator \(at run time: tags: each over a Set\)/));
  });

  it('hands a class to class-validator when a constraint declared synchronous returns a promise', async () => {
    await expect(toDto(PromiseReturner, { word: 'ok' }, 1)).resolves.toBeInstanceOf(PromiseReturner);
    expect(classCodecOf(PromiseReturner).validation).toBeUndefined();
    expect(await issuesOf(toDto(PromiseReturner, { word: 'no' }, 1))).toEqual([{ path: 'word', constraints: { isLaterChecked: 'word is not ok' } }]);
  });

  it('reports a nested plain object (no @Type) where forbidUnknownValues refuses it', async () => {
    class Loose {
      @ValidateNested() inner!: object;
    }
    expect(await issuesOf(toDto(Loose, { inner: { n: 1 } }, 1))).toEqual([
      { path: 'inner', constraints: { unknownValue: 'an unknown value was passed to the validate function' } },
    ]);
  });
});
