/*
 * npm run bench:validation — what a contract costs per message on the handler side,
 * without a network, on the benchmark's 4-field DTO (EchoDto) and a 2-version
 * contract: class-transformer and class-validator alone and together (what
 * decodePayload ran before the plan), decodePayload with the DTO's compiled plan
 * (its safety checks, transformation, validation and upcasting), and the same
 * contract as a zod 4 and a valibot 1 schema. Median of 5 rounds, in microseconds.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { IsInt, IsString, Min, validate } from 'class-validator';
import { defineMessage } from 'nestjs-messaging';
import { EchoContract, EchoDto, EchoValibotContract, EchoZodContract } from './contracts';
import { decodePayload } from 'nestjs-messaging/extend';

Logger.overrideLogger(['log', 'warn', 'error']); // not the plans' debug lines

class V1 {
  @IsInt() @Min(1) userId!: number;
}
class V2 {
  @IsInt() @Min(1) id!: number;
  @IsString() name!: string;
}
const Versioned = defineMessage({ pattern: { cmd: 'v' }, versions: { 1: V1, 2: V2 }, upcast: { 1: (v1: V1) => ({ id: v1.userId, name: 'n' }) } });

const PAYLOAD = { id: 42, name: 'Sample User', email: 'user@example.com', tags: ['admin', 'math'] };
// An address outside the plan's fast accept for @IsEmail (see src/contract/plan/fast-accepts.ts): validator.js decides.
const UTF8_EMAIL = { ...PAYLOAD, email: 'üser@example.com' };
const N = Number(process.env.VALIDATION_CALLS ?? 20_000);

async function measure(fn: () => unknown | Promise<unknown>): Promise<number> {
  const rounds: number[] = [];
  for (let r = 0; r < 6; r++) {
    const t = performance.now();
    for (let i = 0; i < N; i++) await fn();
    if (r > 0) rounds.push(((performance.now() - t) * 1000) / N); // round 0 warms up
  }
  return rounds.sort((a, b) => a - b)[rounds.length >> 1]!;
}

async function libraries(data: object): Promise<EchoDto> {
  const dto = plainToInstance(EchoDto, data);
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (errors.length) throw new Error('invalid');
  return dto;
}

async function main(): Promise<void> {
  const cases: Array<[string, () => unknown]> = [
    ['class-transformer plainToInstance (EchoDto, 4 fields)', () => plainToInstance(EchoDto, PAYLOAD)],
    ['class-validator validate (EchoDto)', () => validate(Object.assign(new EchoDto(), PAYLOAD), { whitelist: true, forbidNonWhitelisted: true })],
    ['class-transformer + class-validator (what decodePayload ran before the plan)', () => libraries(PAYLOAD)],
    ['decodePayload, plan (EchoContract, current version)', () => decodePayload(EchoContract, PAYLOAD, 1)],
    ['decodePayload, plan, e-mail checked by validator.js isEmail', () => decodePayload(EchoContract, UTF8_EMAIL, 1)],
    ['decodePayload, plan (2 versions, v2 as sent)', () => decodePayload(Versioned, { id: 7, name: 'n' }, 2)],
    ['decodePayload, plan (2 versions, v1 upcast to v2)', () => decodePayload(Versioned, { userId: 7 }, 1)],
    ['decodePayload, zod 4 schema (EchoDto as z.strictObject)', () => decodePayload(EchoZodContract, PAYLOAD, 1)],
    ['decodePayload, valibot 1 schema (EchoDto as v.strictObject)', () => decodePayload(EchoValibotContract, PAYLOAD, 1)],
  ];
  console.log(`| per message, ${N} calls x 5 rounds (median) | µs |\n|---|---:|`);
  for (const [name, fn] of cases) console.log(`| ${name} | ${(await measure(fn)).toFixed(2)} |`);
}

void main();
