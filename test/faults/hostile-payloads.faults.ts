import { Test } from '@nestjs/testing';
import { Payload, Transport } from '@nestjs/microservices';
import { Type } from 'class-transformer';
import {
  IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Validate, ValidateNested, ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { defineMessage, getMessagingClientToken, MessageHandler, MessageMeta, MessagingClient, MessagingModule, MessagingPayloadTooLargeError, MessagingRemoteError, type MessageMetadata } from '../../src';
import { classCodecOf } from '../../src/contract/plan/class-codec';
import { Controller, startTcpServer } from '../support/nest';
import { connect, rawRequest } from './support/raw-tcp';
import { CallTally, MB, record, watchUnhandledRejections } from './support/summary';
import type { MessagingPattern as MessagePattern } from '../../src';

class AddressV1 {
  @IsString() city!: string;
}
class ProfileV1 {
  @IsString() name!: string;
  @IsInt() age!: number;
  @IsBoolean() active!: boolean;
  @IsArray() @IsString({ each: true }) tags!: string[];
  @IsIn(['a', 'b']) kind!: string;
  // @ValidateNested alone accepts an array (it validates each element): @IsObject makes it strict.
  @IsObject() @ValidateNested() @Type(() => AddressV1) address!: AddressV1;
}
const Profile = defineMessage({ pattern: { cmd: 'profile' }, versions: { 1: ProfileV1 } });

@ValidatorConstraint({ name: 'noteAccepted', async: true })
class NoteAccepted implements ValidatorConstraintInterface {
  async validate(): Promise<boolean> {
    return true;
  }
}
/** The same DTO plus an asynchronous constraint: class-validator validates it (the plan validates ProfileV1). */
class ProfileByClassValidatorV1 extends ProfileV1 {
  @IsOptional() @Validate(NoteAccepted) note?: string;
}
const ProfileByClassValidator = defineMessage({ pattern: { cmd: 'profile_cv' }, versions: { 1: ProfileByClassValidatorV1 } });
const valid = { name: 'n', age: 3, active: true, tags: ['t'], kind: 'a', address: { city: 'c' } };

@Controller()
class HostileController {
  @MessageHandler(Profile)
  profile(@Payload() p: ProfileV1) {
    return { ok: p.name };
  }

  @MessageHandler(ProfileByClassValidator)
  profileByClassValidator(@Payload() p: ProfileV1) {
    return { ok: p.name };
  }

  @MessageHandler({ cmd: 'echo' })
  echo(@Payload() data: unknown) {
    return data;
  }

  @MessageHandler({ cmd: 'meta' })
  meta(@MessageMeta() meta: MessageMetadata) {
    return { correlationId: meta.correlationId, app: meta.app, messageId: meta.messageId };
  }
}

const WRONG: Record<string, unknown[]> = {
  name: [42, true, null, {}, []],
  age: ['42', 4.5, true, null, {}],
  active: ['true', 1, null, {}],
  tags: ['a', [1], {}, null],
  kind: ['c', 1, null],
  address: ['x', 1, { city: 5 }, [], null],
};

function nested(depth: number): unknown {
  let v: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

describe('hostile payloads', () => {
  it('are refused with typed errors, pollute nothing, and the server keeps serving', async () => {
    const server = await startTcpServer([HostileController], { server: { handlers: { maxPayloadSize: 1 * MB } } });
    expect(classCodecOf(ProfileV1).validation).toBeDefined(); // by plan
    expect(classCodecOf(ProfileByClassValidatorV1).validation).toBeUndefined(); // by class-validator
    const moduleRef = await Test.createTestingModule({
      imports: [
        MessagingModule.forRoot({
          clients: [{ name: 'svc', transport: Transport.TCP, options: { host: '127.0.0.1', port: server.port }, policy: { timeout: 5000 } }],
        }),
      ],
    }).compile();
    await moduleRef.init();
    const client = moduleRef.get<MessagingClient>(getMessagingClientToken('svc'));
    const rejections = watchUnhandledRejections();
    const tally = new CallTally();
    // Each hostile payload goes to the plan's handler and to class-validator's: both must refuse it alike.
    let bothPaths = 0;
    const refusedOnce = (payload: unknown, check: (e: MessagingRemoteError) => void, pattern: MessagePattern) => {
      let seen: MessagingRemoteError | undefined;
      return tally
        .run(async () => {
          const err = await client.request(pattern, payload).then(() => undefined, (e: unknown) => e);
          expect(err).toBeInstanceOf(MessagingRemoteError);
          check((seen = err as MessagingRemoteError));
          throw err;
        }, 5100)
        .then(() => seen);
    };
    const refused = async (payload: unknown, check: (e: MessagingRemoteError) => void, pattern?: MessagePattern) => {
      if (pattern) return void (await refusedOnce(payload, check, pattern));
      const byPlan = await refusedOnce(payload, check, { cmd: 'profile' });
      const byClassValidator = await refusedOnce(payload, check, { cmd: 'profile_cv' });
      expect([byPlan?.code, byPlan?.details]).toEqual([byClassValidator?.code, byClassValidator?.details]);
      bothPaths++;
    };
    const fine = (pattern: MessagePattern, payload: unknown, expected?: unknown) =>
      tally.run(async () => {
        const reply = await client.request(pattern, payload);
        if (expected !== undefined) expect(reply).toEqual(expected);
      }, 5100);
    try {
      await fine({ cmd: 'profile' }, valid, { ok: 'n' });
      await fine({ cmd: 'profile_cv' }, valid, { ok: 'n' });

      // Wrong types in every DTO field.
      let wrongTypes = 0;
      for (const [field, values] of Object.entries(WRONG)) {
        for (const value of values) {
          wrongTypes++;
          await refused({ ...valid, [field]: value }, (e) => {
            expect(e.code).toBe('INVALID_ARGUMENT');
            const issues = (e.details as { issues: { path: string }[] }).issues;
            expect(issues.some((i) => i.path === field || i.path.startsWith(`${field}.`))).toBe(true);
          });
        }
      }

      // __proto__ and constructor keys: refused by contracts, and no prototype is polluted anywhere.
      const proto = JSON.parse(`{"__proto__":{"polluted":"yes"},${JSON.stringify(valid).slice(1)}`) as object;
      const ctor = { ...valid, constructor: { prototype: { polluted: 'yes' } } };
      for (const p of [proto, ctor]) {
        await refused(p, (e) => {
          expect(e.code).toBe('INVALID_ARGUMENT');
          expect(JSON.stringify(e.details)).toContain('forbiddenKey');
        });
        await fine({ cmd: 'echo' }, p);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);

      // Deep nesting: refused by a contract at depth 64; a raw 1,000,000-deep frame only costs its own connection.
      await refused({ ...valid, address: nested(1000) }, (e) => expect(JSON.stringify(e.details)).toContain('maxDepth'));
      await fine({ cmd: 'echo' }, nested(2000));
      const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
      const frameText = `{"pattern":{"cmd":"echo"},"id":"deeper","data":${deep}}`;
      const deepSocket = await connect(server.port);
      const deeper = await new Promise<string>((resolve) => {
        let got = '';
        deepSocket.setEncoding('utf8');
        deepSocket.on('data', (c: string) => (got += c));
        const timer = setTimeout(() => resolve(got || 'no answer within 3 s'), 3000);
        deepSocket.on('data', () => {
          if (got.includes('isDisposed')) {
            clearTimeout(timer);
            resolve(got);
          }
        });
        deepSocket.on('close', () => {
          clearTimeout(timer);
          resolve(got || 'closed by the server');
        });
        deepSocket.write(`${frameText.length}#${frameText}`);
      });
      deepSocket.destroy();
      // The frame parses, but its reply cannot be written (JSON.stringify overflows its stack on 1,000,000
      // levels): the library's TCP framing answers INTERNAL at once instead of leaving the caller to its budget.
      // The process survives.
      expect(deeper).toContain('"id":"deeper"');
      expect(deeper).toContain('"code":"INTERNAL"');

      // 10 MB strings against the handler's maxPayloadSize (1 MB), and the client's own limit.
      const big = { ...valid, name: 'x'.repeat(10 * MB) };
      await refused(big, (e) => {
        expect(e.code).toBe('RESOURCE_EXHAUSTED');
        expect(e.message).toContain("above the handler's limit of 1048576 bytes");
      });
      await tally.run(async () => {
        const err = await client.request({ cmd: 'echo' }, big, { maxPayloadSize: MB }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(MessagingPayloadTooLargeError);
        throw err;
      }, 5100);

      // Unknown metadata keys and a 10 KB correlation id (a raw frame: the library's client refuses both).
      const meta = await rawRequest(server.port, {
        pattern: { cmd: 'meta' },
        data: {},
        id: 'meta-1',
        metadata: {
          'msg-format': '1',
          'msg-id': 'm-1',
          'msg-correlation-id': 'c'.repeat(10 * 1024),
          'x-unknown': 'ignored',
          'msg-unknown-key': 'ignored',
          'app-tenant': 'acme',
          'app-__proto__': 'nope',
          __proto__: { polluted: 'yes' },
        },
      });
      const reply = meta.response as { correlationId: string; app: Record<string, string> };
      expect(reply.correlationId.length).toBeLessThanOrEqual(128);
      expect(reply.app).toEqual({ tenant: 'acme' });

      // Still serving.
      await fine({ cmd: 'profile' }, valid, { ok: 'n' });
      record({
        scenario: 'hostile payloads',
        calls: tally.calls,
        succeeded: tally.succeeded,
        typedFailures: tally.typedFailures,
        hung: tally.hung,
        unhandledRejections: rejections.count(),
        notes: `${bothPaths} hostile payloads refused alike by the plan and by class-validator, ${wrongTypes} wrong-typed fields, __proto__/constructor keys, depth 1,000 (contract), 2,000 (echo), 1,000,000 (raw frame), 10 MB strings, unknown metadata keys, 10 KB correlation id; ${tally.codesText()}`,
      });
      expect(tally.untyped).toEqual([]);
      expect(tally.hung).toBe(0);
      expect(rejections.count()).toBe(0);
    } finally {
      rejections.stop();
      await moduleRef.close();
      await server.close();
    }
  });
});
